/**
 * Runs the chosen operation over all items: every item is checked first (a bad row stops the batch
 * before anything is paid for), then items run concurrently up to the limit, and each item's outcome,
 * video or error, lands in its own output slot in input order.
 */
import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import { settleWithLimit } from '../helpers/concurrency';
import { createFalClient } from '../helpers/falClient';
import { readMaxConcurrentJobs } from '../helpers/jobSettings';
import { toNodeError } from '../helpers/nodeErrors';
import { cancel } from './cancel.operation';
import { estimateItems } from './estimate';
import { generate } from './generate.operation';
import { getResult } from './getResult.operation';
import { getStatus } from './getStatus.operation';
import type { Operation } from './operation';
import { submit } from './submit.operation';

export const operations = { generate, submit, getStatus, getResult, cancel } as const;

export type OperationName = keyof typeof operations;

export async function route(ctx: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const name = ctx.getNodeParameter('operation', 0) as OperationName;
	const operation = operations[name] as Operation<unknown> | undefined;
	if (!operation) throw new NodeOperationError(ctx.getNode(), `The operation "${name}" is not supported`);
	const itemCount = ctx.getInputData().length;
	const node = ctx.getNode();

	const checked = await settleWithLimit(itemCount, itemCount || 1, async (i) => await operation.prepare(ctx, i));
	const prepared = await estimateItems(ctx, operation, checked);
	const firstInvalid = prepared.findIndex((p) => p.status === 'rejected');
	if (firstInvalid !== -1 && !ctx.continueOnFail()) {
		throw toNodeError(node, (prepared[firstInvalid] as PromiseRejectedResult).reason, firstInvalid);
	}

	const fal = await createFalClient(ctx);
	const outcomes = await settleWithLimit(itemCount, readMaxConcurrentJobs(ctx), async (i) => {
		const input = prepared[i];
		if (input.status === 'rejected') throw input.reason;
		return await operation.run(ctx, fal, input.value, i);
	});

	const output: INodeExecutionData[] = [];
	const failures: Array<{ itemIndex: number; error: ReturnType<typeof toNodeError> }> = [];
	outcomes.forEach((outcome, itemIndex) => {
		if (outcome.status === 'fulfilled') {
			output.push(outcome.value);
			return;
		}
		const error = toNodeError(node, outcome.reason, itemIndex);
		failures.push({ itemIndex, error });
		output.push({
			json: { error: error.message, description: error.description ?? null, requestId: requestIdOf(outcome.reason) ?? null },
			pairedItem: { item: itemIndex },
		});
	});

	if (failures.length > 0 && !ctx.continueOnFail()) {
		throw withOthersNamed(failures[0].error, output, failures[0].itemIndex);
	}
	return [output];
}

function requestIdOf(error: unknown): string | undefined {
	const id = (error as { requestId?: unknown } | undefined)?.requestId;
	return typeof id === 'string' ? id : undefined;
}

/** The node fails as a whole, but the other items' finished jobs were paid for: say where they are. */
function withOthersNamed(error: ReturnType<typeof toNodeError>, output: INodeExecutionData[], failedIndex: number) {
	const finished = output
		.map((item, index) => ({ index, requestId: item.json.error === undefined ? item.json.requestId : undefined }))
		.filter((entry) => entry.index !== failedIndex && typeof entry.requestId === 'string');
	if (finished.length > 0) {
		const list = finished.map((entry) => `item ${entry.index}: ${String(entry.requestId)}`).join(', ');
		error.description = `${error.description ?? ''} Other items finished on fal and can be fetched with Get Result: ${list}. Turn on "Continue On Fail" in the node settings to keep the good items when one fails.`.trim();
	}
	return error;
}

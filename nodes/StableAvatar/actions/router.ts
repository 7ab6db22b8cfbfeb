/**
 * Runs the chosen operation over all items: every item is checked first (a bad row stops the batch
 * before anything is paid for), then items run concurrently up to the limit (by default a whole usual
 * batch at once: fal queues what it cannot run yet), and each item's outcome, video or error, lands in
 * its own output slot in input order. With Retry On Fail, an item whose job exists is never submitted
 * again on n8n's retry (see helpers/retryMemory.ts).
 */
import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import { settleWithLimit } from '../helpers/concurrency';
import { createFalClient } from '../helpers/falClient';
import { readMaxConcurrentJobs } from '../helpers/jobSettings';
import { toNodeError } from '../helpers/nodeErrors';
import { OncePerKey } from '../helpers/oncePerKey';
import { RetryMemory, type ItemOutcome } from '../helpers/retryMemory';
import { reserveToolBudget, settleReservation } from '../helpers/toolBudget';
import { isRefusal, isToolRun, refusedBeforeSubmit, toolError } from '../helpers/toolMode';
import { cancel } from './cancel.operation';
import { estimateItems } from './estimate';
import { generate } from './generate.operation';
import { getResult } from './getResult.operation';
import { getStatus } from './getStatus.operation';
import type { Operation } from './operation';
import { submit } from './submit.operation';

export const operations = { generate, submit, getStatus, getResult, cancel } as const;

export type OperationName = keyof typeof operations;

/** Operations that submit paid jobs: n8n's Retry On Fail must not submit an item of these twice. */
const SUBMITTING: ReadonlySet<OperationName> = new Set(['generate', 'submit']);

export async function route(ctx: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	if (!isToolRun(ctx)) return await routeItems(ctx, false);
	try {
		return await routeItems(ctx, true);
	} catch (error) {
		// A model reads only an error's message: it gets the advice there (see helpers/toolMode.ts).
		const forModel = toolError(ctx.getNode(), error);
		if (isRefusal(error)) return [[{ json: { error: forModel.message }, pairedItem: { item: 0 } }]];
		throw forModel;
	}
}

async function routeItems(ctx: IExecuteFunctions, toolRun: boolean): Promise<INodeExecutionData[][]> {
	const name = ctx.getNodeParameter('operation', 0) as OperationName;
	const operation = operations[name] as Operation<unknown> | undefined;
	if (!operation) throw new NodeOperationError(ctx.getNode(), `The operation "${name}" is not supported`);
	if (toolRun && name !== 'generate') {
		throw refusedBeforeSubmit(new NodeOperationError(ctx.getNode(), `As an AI Agent's tool, Stable Avatar offers only Generate, not "${name}": set the tool's Operation to Generate`));
	}
	const itemCount = ctx.getInputData().length;
	const node = ctx.getNode();

	const memory = SUBMITTING.has(name) ? RetryMemory.of(ctx) : undefined;
	const ownJob = (i: number) => memory?.recall(i) !== undefined;
	const checked = await settleWithLimit(itemCount, itemCount || 1, async (i) => await operation.prepare(ctx, i));
	const claims = SUBMITTING.has(name) ? await OncePerKey.claim(ctx, checked, ownJob) : undefined;
	let output: INodeExecutionData[] | undefined;
	let jobsExist: boolean[] | undefined;
	let budget: ReturnType<typeof reserveToolBudget> | undefined;
	try {
		// Items whose job exists (an earlier try's) or whose key is claimed already cost nothing now.
		const prepared = await estimateItems(ctx, operation, checked, (i) => ownJob(i) || claims?.isSkipped(i) === true);
		const firstInvalid = prepared.findIndex((p) => p.status === 'rejected');
		if (firstInvalid !== -1 && !ctx.continueOnFail()) {
			const error = toNodeError(node, (prepared[firstInvalid] as PromiseRejectedResult).reason, firstInvalid);
			throw toolRun ? refusedBeforeSubmit(error) : error;
		}
		// As an AI Agent's tool: the audio's length must be known and the call fit the execution's budget.
		if (toolRun) budget = reserveToolBudget(ctx, prepared, ownJob);
		output = await runItems(ctx, operation, prepared, memory, claims, (outcomes) => (jobsExist = outcomes.map(jobExists)));
		return [output];
	} finally {
		// Keys of items that got no job are released. undefined output (the node threw): n8n runs it
		// again, if tries are left; not after a tool call's refusal (no budget reserved), which the tool answers with.
		await claims?.settle();
		memory?.settle(output ?? (toolRun && budget === undefined ? [] : undefined));
		settleReservation(budget, jobsExist);
	}
}

async function runItems(
	ctx: IExecuteFunctions,
	operation: Operation<unknown>,
	prepared: Array<PromiseSettledResult<unknown>>,
	memory: RetryMemory | undefined,
	claims: OncePerKey | undefined,
	onOutcomes?: (outcomes: ItemOutcome[]) => void,
): Promise<INodeExecutionData[]> {
	const node = ctx.getNode();
	const fal = await createFalClient(ctx);
	const outcomes = await settleWithLimit(prepared.length, readMaxConcurrentJobs(ctx), async (i) => {
		const earlier = memory?.recall(i);
		if (earlier) return replay(ctx, earlier, i);
		const skipped = claims?.skippedItem(i);
		if (skipped) return skipped;
		const input = prepared[i];
		if (input.status === 'rejected') throw input.reason;
		const run = async () => await operation.run(ctx, fal, input.value, i);
		return claims ? await claims.run(i, run, jobExists) : await run();
	});
	memory?.keep(outcomes, jobExists);
	claims?.noteOutcomes(outcomes, jobExists);
	onOutcomes?.(outcomes);
	if (ctx.getExecutionCancelSignal()?.aborted) reportJobsLeftAtStop(ctx, outcomes);

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
	return output;
}

/** An item's job exists (or may: a submit whose answer was lost) once its outcome names one, or it has a result. */
function jobExists(outcome: ItemOutcome): boolean {
	if (outcome.status === 'fulfilled') return true;
	return requestIdOf(outcome.reason) !== undefined || (outcome.reason as { jobMayExist?: unknown } | undefined)?.jobMayExist === true;
}

/** n8n's Retry On Fail runs the node again: this item's job exists, so it gets its earlier outcome back. */
function replay(ctx: IExecuteFunctions, earlier: ItemOutcome, itemIndex: number): INodeExecutionData {
	const requestId = requestIdOfOutcome(earlier);
	ctx.logger.info('Retry On Fail: this item keeps the outcome of its existing fal job and is not submitted again', { itemIndex, requestId });
	if (earlier.status === 'rejected') throw earlier.reason;
	return earlier.value;
}

/** After a stop the run's output may never be seen: the jobs that exist are named in n8n's log. */
function reportJobsLeftAtStop(ctx: IExecuteFunctions, outcomes: ItemOutcome[]): void {
	outcomes.forEach((outcome, itemIndex) => {
		const requestId = requestIdOfOutcome(outcome);
		if (requestId === undefined) return;
		const cancelled = outcome.status === 'rejected' && (outcome.reason as { cancelled?: unknown }).cancelled === true;
		ctx.logger.warn(`The run was stopped; fal job ${requestId} ${cancelled ? 'was asked to cancel (a running job may still finish and bill)' : 'was not cancelled'}`, {
			itemIndex,
			requestId,
		});
	});
}

/** The job an item's outcome names: its output's requestId, or its error's. */
function requestIdOfOutcome(outcome: ItemOutcome): string | undefined {
	if (outcome.status === 'rejected') return requestIdOf(outcome.reason);
	const id = outcome.value.json.requestId;
	return typeof id === 'string' ? id : undefined;
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

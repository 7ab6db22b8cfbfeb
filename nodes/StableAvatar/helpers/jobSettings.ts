/** How jobs are run for an item: endpoint, timeout, output. Read from Advanced Options. */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { DEFAULT_MAX_CONCURRENT_JOBS, DEFAULT_MAX_QUEUE_WAIT_MINUTES, DEFAULT_TIMEOUT_MINUTES, MAX_CONCURRENT_JOBS_LIMIT } from '../descriptions/jobOptions';
import { TOOL_MAX_QUEUE_WAIT_MINUTES } from '../descriptions/toolMode';
import { DEFAULT_ENDPOINT_ID, isValidEndpointId } from '../transport/urls';
import { isToolRun } from './toolMode';
import { checkedChoice, checkedNumber, checkedText, invalidInput } from './validation';

export interface JobSettings {
	endpointId: string;
	/** Bounds rendering, from the moment the job is first seen running. */
	timeoutMs: number;
	/** Bounds the time in fal's queue. */
	maxQueueWaitMs: number;
	onTimeout: 'cancel' | 'keepRunning';
	downloadVideo: boolean;
	outputBinaryProperty: string;
}

export function readJobSettings(ctx: IExecuteFunctions, itemIndex: number): JobSettings {
	const options = ctx.getNodeParameter('advancedOptions', itemIndex, {}) as IDataObject;
	const timeoutMinutes = checkedNumber(ctx, itemIndex, options.timeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES, {
		label: 'Timeout (Minutes)',
		min: 0.01,
		max: 7 * 24 * 60,
		integer: false,
	});
	const defaultQueueWait = isToolRun(ctx) ? TOOL_MAX_QUEUE_WAIT_MINUTES : DEFAULT_MAX_QUEUE_WAIT_MINUTES;
	const maxQueueWaitMinutes = checkedNumber(ctx, itemIndex, options.maxQueueWaitMinutes ?? defaultQueueWait, {
		label: 'Max Queue Wait (Minutes)',
		min: 0.01,
		max: 7 * 24 * 60,
		integer: false,
	});
	const onTimeout = checkedChoice(ctx, itemIndex, options.onTimeout ?? 'cancel', 'On Timeout', ['cancel', 'returnRequestId'] as const);
	return {
		endpointId: readEndpointId(ctx, itemIndex, options),
		timeoutMs: timeoutMinutes * 60_000,
		maxQueueWaitMs: maxQueueWaitMinutes * 60_000,
		onTimeout: onTimeout === 'cancel' ? 'cancel' : 'keepRunning',
		// n8n hands a model no binary data: as a tool the video stays at its URL (and the audio's
		// duration is then read before submit, for the cost: see actions/generate.operation.ts).
		downloadVideo: options.downloadVideo !== false && !isToolRun(ctx),
		outputBinaryProperty: checkedText(ctx, itemIndex, options.outputBinaryProperty ?? 'data', 'Output Binary Field'),
	};
}

export function readEndpointId(ctx: IExecuteFunctions, itemIndex: number, options?: IDataObject): string {
	const advanced = options ?? (ctx.getNodeParameter('advancedOptions', itemIndex, {}) as IDataObject);
	const endpointId = checkedText(ctx, itemIndex, advanced.endpointId ?? DEFAULT_ENDPOINT_ID, 'Endpoint ID');
	if (!isValidEndpointId(endpointId)) {
		throw invalidInput(ctx, itemIndex, 'Endpoint ID', `is not a fal endpoint ID (got "${endpointId}")`, `Use the form owner/model, e.g. ${DEFAULT_ENDPOINT_ID}.`);
	}
	return endpointId;
}

/** Node-wide, read from the first item like the cap: on unless turned off. A tool always reads: its budget needs the length. */
export function readCheckAudioUrlLength(ctx: IExecuteFunctions): boolean {
	const options = ctx.getNodeParameter('advancedOptions', 0, {}) as IDataObject;
	return options.checkAudioUrlLength !== false || isToolRun(ctx);
}

/** Node-wide: how many items are in flight at once. Read from the first item. */
export function readMaxConcurrentJobs(ctx: IExecuteFunctions): number {
	const options = ctx.getNodeParameter('advancedOptions', 0, {}) as IDataObject;
	return checkedNumber(ctx, 0, options.maxConcurrentJobs ?? DEFAULT_MAX_CONCURRENT_JOBS, {
		label: 'Max Concurrent Jobs',
		min: 1,
		max: MAX_CONCURRENT_JOBS_LIMIT,
		integer: true,
	});
}

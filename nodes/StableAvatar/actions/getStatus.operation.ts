/** Get Status: where a job stands: queue position, logs, timings. */
import { updateDisplayOptions, type IDataObject } from 'n8n-workflow';

import { endpointOnlyOptions, requestIdProperty } from '../descriptions/jobOptions';
import { withRequestId } from '../transport/errors';
import type { FalLogEntry } from '../transport/queue';
import { readJobAddress } from './jobRef';
import { defineOperation } from './operation';

export const getStatus = defineOperation({
	properties: updateDisplayOptions({ show: { operation: ['getStatus'] } }, [
		requestIdProperty,
		{
			displayName: 'Include Logs',
			name: 'includeLogs',
			type: 'boolean',
			default: true,
			description: "Whether to include the job's log lines",
		},
		endpointOnlyOptions,
	]),

	async prepare(ctx, itemIndex) {
		return { ...readJobAddress(ctx, itemIndex), includeLogs: ctx.getNodeParameter('includeLogs', itemIndex, true) === true };
	},

	async run(_ctx, fal, { requestId, endpointId, includeLogs }, itemIndex) {
		const status = await fal.queue
			.status(fal.queue.ref(endpointId, requestId), includeLogs)
			.catch((error: unknown) => Promise.reject(withRequestId(error, requestId)));
		const json: IDataObject = {
			requestId,
			endpoint: endpointId,
			status: status.status,
			queuePosition: status.queuePosition ?? null,
			timings: { inferenceSeconds: status.inferenceSeconds ?? null },
		};
		if (status.error) json.error = { message: status.error, type: status.errorType ?? null };
		if (includeLogs) json.logs = uniqueLogs(status.logs) as unknown as IDataObject[];
		return { json, pairedItem: { item: itemIndex } };
	},
});

/** fal's logs are a moving window, so the same line can appear in two answers: keep each once. */
export function uniqueLogs(logs: FalLogEntry[]): FalLogEntry[] {
	const seen = new Set<string>();
	return logs.filter((log) => {
		const key = `${log.timestamp ?? ''}\u0000${log.message}`;
		if (seen.has(key)) return false;
		seen.add(key);
		return true;
	});
}

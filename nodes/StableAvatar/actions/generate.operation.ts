/** Generate: submit a job, wait for it, and emit the video. The one-node path for most workflows. */
import { NodeOperationError, updateDisplayOptions, type IDataObject, type INodeExecutionData } from 'n8n-workflow';

import { generateJobOptions, spendCapNotice } from '../descriptions/jobOptions';
import { executionMustEndBy } from '../helpers/executionDeadline';
import { readJobSettings } from '../helpers/jobSettings';
import { readModelInput, toFalRequest } from '../helpers/modelInput';
import { videoItem } from '../helpers/videoOutput';
import { FalTimeoutError, withRequestId } from '../transport/errors';
import { runJob } from '../transport/job';
import { videoFromResult } from '../transport/queue';
import { estimateAudio } from './estimate';
import { defineOperation } from './operation';

export const generate = defineOperation({
	properties: updateDisplayOptions({ show: { operation: ['generate'] } }, [spendCapNotice, generateJobOptions]),

	async prepare(ctx, itemIndex) {
		return { input: await readModelInput(ctx, itemIndex), settings: readJobSettings(ctx, itemIndex) };
	},

	estimate: estimateAudio,

	async run(ctx, fal, { input, settings }, itemIndex) {
		const mustEndBy = executionMustEndBy(ctx);
		if (mustEndBy !== undefined && mustEndBy <= Date.now()) {
			throw new NodeOperationError(ctx.getNode(), "The workflow's execution timeout leaves no time for a job", {
				itemIndex,
				description: 'Nothing was submitted. Raise "Timeout Workflow" in the workflow settings, or use Submit with a webhook for long jobs.',
			});
		}
		const request = await toFalRequest(input, fal.storage);
		const run = await runJob(fal.queue, {
			endpointId: settings.endpointId,
			input: request,
			timeoutMs: settings.timeoutMs,
			maxQueueWaitMs: settings.maxQueueWaitMs,
			mustEndBy,
			onTimeout: settings.onTimeout,
			signal: fal.http.signal,
			onStatus: (status) => ctx.logger.debug(`fal job status: ${status.status}`, { itemIndex, queuePosition: status.queuePosition }),
			// At info level, so an operator can find every paid job in the log after a crash.
			onSubmitted: (ref) =>
				ctx.logger.info(`Stable Avatar submitted fal job ${ref.requestId} (endpoint ${ref.endpointId}, item ${itemIndex})`, {
					requestId: ref.requestId,
					endpoint: ref.endpointId,
					itemIndex,
				}),
		});
		const { requestId } = run.ref;
		if (run.kind === 'timedOut') {
			if (run.cancelled || settings.onTimeout === 'cancel' || run.reason === 'queueWait') {
				const waitedMs = Date.now() - (run.reason === 'render' && run.startedAt !== undefined ? run.startedAt : run.submittedAt);
				throw new FalTimeoutError(requestId, waitedMs, run.lastStatus, run.cancelled, run.reason);
			}
			return stillRunningItem(itemIndex, run.ref.endpointId, requestId, run.lastStatus);
		}
		try {
			return await videoItem(
				ctx,
				fal.http,
				itemIndex,
				{
					requestId,
					endpoint: settings.endpointId,
					video: videoFromResult(run.result),
					timings: {
						submittedAt: new Date(run.submittedAt).toISOString(),
						completedAt: new Date(run.completedAt).toISOString(),
						waitSeconds: (run.completedAt - run.submittedAt) / 1000,
						queuedSeconds: (run.startedAt - run.submittedAt) / 1000,
						renderSeconds: (run.completedAt - run.startedAt) / 1000,
						inferenceSeconds: run.status.inferenceSeconds ?? null,
					},
					audioSeconds: input.audioSeconds,
				},
				{ downloadVideo: settings.downloadVideo, binaryProperty: settings.outputBinaryProperty },
			);
		} catch (error) {
			throw withRequestId(error, requestId);
		}
	},
});

/** On Timeout = Return the Request ID: the job keeps running and the item says how to collect it. */
function stillRunningItem(itemIndex: number, endpoint: string, requestId: string, lastStatus: string): INodeExecutionData {
	const json: IDataObject = {
		requestId,
		endpoint,
		status: 'TIMED_OUT',
		lastStatus,
		message: 'The job is still running on fal. Fetch the video later with the Get Result operation and this request ID.',
	};
	return { json, pairedItem: { item: itemIndex } };
}

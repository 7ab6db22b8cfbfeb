/** Get Result: the output of a finished job, as Generate would have emitted it. */
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { requestIdProperty, resultOptions } from '../descriptions/jobOptions';
import { checkedText } from '../helpers/validation';
import { videoItem } from '../helpers/videoOutput';
import { withRequestId } from '../transport/errors';
import { videoFromResult } from '../transport/queue';
import { readJobAddress } from './jobRef';
import { defineOperation } from './operation';

export const getResult = defineOperation({
	properties: updateDisplayOptions({ show: { operation: ['getResult'] } }, [requestIdProperty, resultOptions]),

	async prepare(ctx, itemIndex) {
		const options = ctx.getNodeParameter('advancedOptions', itemIndex, {}) as { downloadVideo?: boolean; outputBinaryProperty?: string };
		return {
			...readJobAddress(ctx, itemIndex),
			downloadVideo: options.downloadVideo !== false,
			binaryProperty: checkedText(ctx, itemIndex, options.outputBinaryProperty ?? 'data', 'Output Binary Field'),
		};
	},

	async run(ctx, fal, { requestId, endpointId, downloadVideo, binaryProperty }, itemIndex) {
		const ref = fal.queue.ref(endpointId, requestId);
		try {
			// The result route's answer for an unfinished job is not documented: ask the status first.
			const status = await fal.queue.status(ref);
			if (status.status !== 'COMPLETED') {
				const position = status.queuePosition !== undefined ? `, queue position ${status.queuePosition}` : '';
				throw new NodeOperationError(ctx.getNode(), `The fal job ${requestId} is not finished yet (${status.status}${position})`, {
					itemIndex,
					description: 'Run Get Result again later, or let a Wait node resume the workflow when fal calls the webhook.',
				});
			}
			const result = await fal.queue.result(ref);
			return await videoItem(
				ctx,
				fal.http,
				itemIndex,
				{ requestId, endpoint: endpointId, video: videoFromResult(result), timings: { inferenceSeconds: status.inferenceSeconds ?? null } },
				{ downloadVideo, binaryProperty },
			);
		} catch (error) {
			throw withRequestId(error, requestId);
		}
	},
});

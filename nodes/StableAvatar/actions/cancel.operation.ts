/** Cancel: stop a job on fal, and say what fal answered. */
import { updateDisplayOptions } from 'n8n-workflow';

import { endpointOnlyOptions, requestIdProperty } from '../descriptions/jobOptions';
import { withRequestId } from '../transport/errors';
import { readJobAddress } from './jobRef';
import { defineOperation } from './operation';

export const cancel = defineOperation({
	properties: updateDisplayOptions({ show: { operation: ['cancel'] } }, [requestIdProperty, endpointOnlyOptions]),

	async prepare(ctx, itemIndex) {
		return readJobAddress(ctx, itemIndex);
	},

	async run(_ctx, fal, { requestId, endpointId }, itemIndex) {
		try {
			const outcome = await fal.queue.cancel(fal.queue.ref(endpointId, requestId));
			return { json: { requestId, endpoint: endpointId, outcome }, pairedItem: { item: itemIndex } };
		} catch (error) {
			throw withRequestId(error, requestId);
		}
	},
});

/** Cancel: stop a job on fal, and say what that means for it (removed, or only signalled). */
import { updateDisplayOptions } from 'n8n-workflow';

import { endpointOnlyOptions, requestIdProperty } from '../descriptions/jobOptions';
import { withRequestId } from '../transport/errors';
import { cancelReport } from './cancelReport';
import { readJobAddress } from './jobRef';
import { defineOperation } from './operation';

export const cancel = defineOperation({
	properties: updateDisplayOptions({ show: { operation: ['cancel'] } }, [requestIdProperty, endpointOnlyOptions]),

	async prepare(ctx, itemIndex) {
		return readJobAddress(ctx, itemIndex);
	},

	async run(_ctx, fal, { requestId, endpointId }, itemIndex) {
		try {
			const ref = fal.queue.ref(endpointId, requestId);
			const report = await cancelReport(fal.queue, ref, await fal.queue.cancel(ref));
			return { json: { requestId, endpoint: endpointId, ...report }, pairedItem: { item: itemIndex } };
		} catch (error) {
			throw withRequestId(error, requestId);
		}
	},
});

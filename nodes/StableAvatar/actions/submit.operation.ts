/**
 * Submit: start a job and return at once. With a webhook URL (e.g. the Wait node's
 * `$execution.resumeUrl`) fal calls back when the job ends, so no worker waits in the meantime.
 */
import { updateDisplayOptions } from 'n8n-workflow';

import { submitJobOptions } from '../descriptions/jobOptions';
import { readEndpointId } from '../helpers/jobSettings';
import { readModelInput, toFalRequest } from '../helpers/modelInput';
import { checkedUrl } from '../helpers/validation';
import { estimateAudio } from './estimate';
import { defineOperation } from './operation';

export const submit = defineOperation({
	properties: updateDisplayOptions({ show: { operation: ['submit'] } }, [
		{
			displayName: 'Webhook URL',
			name: 'webhookUrl',
			type: 'string',
			default: '',
			placeholder: '={{ $execution.resumeUrl }}',
			description:
				'Optional. fal POSTs the outcome here when the job ends. Use {{ $execution.resumeUrl }} with a Wait node set to "On Webhook Call" to resume this workflow then.',
		},
		submitJobOptions,
	]),

	async prepare(ctx, itemIndex) {
		const webhook = ctx.getNodeParameter('webhookUrl', itemIndex, '') as string;
		return {
			input: await readModelInput(ctx, itemIndex),
			endpointId: readEndpointId(ctx, itemIndex),
			webhookUrl: webhook.trim() === '' ? undefined : checkedUrl(ctx, itemIndex, webhook, 'Webhook URL'),
		};
	},

	estimate: estimateAudio,

	async run(ctx, fal, { input, endpointId, webhookUrl }, itemIndex) {
		const request = await toFalRequest(input, fal.storage);
		const ref = await fal.queue.submit(endpointId, request, { webhookUrl });
		return {
			json: {
				requestId: ref.requestId,
				endpoint: endpointId,
				statusUrl: ref.urls.status,
				responseUrl: ref.urls.result,
				cancelUrl: ref.urls.cancel,
				webhookUrl: webhookUrl ?? null,
			},
			pairedItem: { item: itemIndex },
		};
	},
});

/**
 * Submit: start a job and return at once. With a webhook URL (the Stable Avatar Trigger's production
 * URL) fal calls back when the job ends, so no worker waits in the meantime; the Reference rides along
 * in that URL's query and comes out of the trigger.
 */
import { updateDisplayOptions } from 'n8n-workflow';

import { submitJobOptions } from '../descriptions/jobOptions';
import { readEndpointId } from '../helpers/jobSettings';
import { readModelInput, toFalRequest } from '../helpers/modelInput';
import { checkedReference } from '../helpers/reference';
import { checkedUrl } from '../helpers/validation';
import { withReference } from '../transport/urls';
import { estimateAudio } from './estimate';
import { defineOperation } from './operation';

export const submit = defineOperation({
	properties: updateDisplayOptions({ show: { operation: ['submit'] } }, [
		{
			displayName: 'Webhook URL',
			name: 'webhookUrl',
			type: 'string',
			default: '',
			placeholder: 'https://n8n.example.com/webhook/5e1f7a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b/stable-avatar',
			description:
				'Paste the Stable Avatar Trigger\'s Production URL here: fal POSTs each finished job to it and the trigger starts one execution per video. Optional.',
		},
		{
			displayName: 'Reference',
			name: 'reference',
			type: 'string',
			default: '',
			placeholder: 'row-17',
			description:
				'Optional tag that comes out of the Stable Avatar Trigger with the video (as "reference"), e.g. the ID of the row that asked for it. Up to 200 letters, digits and . _ - : @ / +.',
		},
		submitJobOptions,
	]),

	async prepare(ctx, itemIndex) {
		const webhook = ctx.getNodeParameter('webhookUrl', itemIndex, '') as string;
		const webhookUrl = webhook.trim() === '' ? undefined : checkedUrl(ctx, itemIndex, webhook, 'Webhook URL');
		const reference = checkedReference(ctx, itemIndex, ctx.getNodeParameter('reference', itemIndex, ''), webhookUrl);
		return {
			input: await readModelInput(ctx, itemIndex),
			endpointId: readEndpointId(ctx, itemIndex),
			webhookUrl: webhookUrl && reference ? withReference(webhookUrl, reference) : webhookUrl,
			reference,
		};
	},

	estimate: estimateAudio,

	async run(ctx, fal, { input, endpointId, webhookUrl, reference }, itemIndex) {
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
				reference: reference ?? null,
			},
			pairedItem: { item: itemIndex },
		};
	},
});

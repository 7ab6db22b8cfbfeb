/**
 * Submit: start a job and return at once. With a webhook URL (the Stable Avatar Trigger's production
 * URL) fal calls back when the job ends, so no worker waits in the meantime; the Reference rides along
 * in that URL's query and comes out of the trigger.
 */
import { updateDisplayOptions } from 'n8n-workflow';

import { spendCapNotice, submitJobOptions } from '../descriptions/jobOptions';
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
			// Short enough to show whole in the field: the long id would be cut off.
			placeholder: 'https://…/webhook/…/stable-avatar',
			hint: "Optional. The Stable Avatar Trigger's Production URL: fal calls it when the job ends, and the trigger starts one execution per video. Empty: fetch the video later with Get Result.",
			description:
				'Paste the Stable Avatar Trigger\'s Production URL here: fal POSTs each finished job to it and the trigger starts one execution per video. Optional.',
		},
		{
			displayName: 'Reference',
			name: 'reference',
			type: 'string',
			default: '',
			placeholder: 'e.g. row-17',
			hint: 'Optional, needs a Webhook URL. Comes out of the Stable Avatar Trigger as "reference" with the video, e.g. the ID of the row that asked for it.',
			description:
				'Optional tag that comes out of the Stable Avatar Trigger with the video (as "reference"), e.g. the ID of the row that asked for it. Up to 200 letters, digits and . _ - : @ / +.',
		},
		spendCapNotice,
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

import {
	NodeConnectionTypes,
	type IHookFunctions,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { triggerPanel, triggerProperties } from './description';
import { receiveDelivery } from './receive';

export class StableAvatarTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Stable Avatar Trigger',
		name: 'stableAvatarTrigger',
		icon: { light: 'file:../../icons/fal.svg', dark: 'file:../../icons/fal.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: 'Video Finished',
		// The editor shows this node and the action node as one "Stable Avatar" entry with this description: it speaks for both.
		description: 'Talking-avatar videos from a portrait and speech with fal.ai Stable Avatar; the trigger starts a workflow for each finished video',
		defaults: { name: 'Stable Avatar Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'falApi', required: true }],
		webhooks: [
			{
				name: 'default',
				httpMethod: 'POST',
				responseMode: 'onReceived',
				path: 'stable-avatar',
			},
		],
		triggerPanel,
		properties: triggerProperties,
	};

	// fal has no API to register webhooks (the URL travels with each job), so there is nothing to check, create or delete.
	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				return true;
			},
			async create(this: IHookFunctions): Promise<boolean> {
				return true;
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await receiveDelivery(this);
	}
}

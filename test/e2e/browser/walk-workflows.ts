/**
 * The workflows the editor walk opens and runs, imported next to the example: one node per operation
 * to read the fields of, an HTTP Request that signs with the Fal API credential, a Submit → Cancel,
 * and a Generate fal refuses with a 422.
 */
import type { INode, IWorkflowBase } from 'n8n-workflow';

import { EXAMPLE_CREDENTIAL, PACKAGE_NAME } from '../config';

const AVATAR_TYPE = `${PACKAGE_NAME}.stableAvatar`;
const credentials = { falApi: { id: EXAMPLE_CREDENTIAL.id, name: EXAMPLE_CREDENTIAL.name } };
const FAL_EXAMPLE_INPUTS = 'https://storage.googleapis.com/falserverless/example_inputs';
/** URL inputs are handed to fal as they are (the emulator never fetches them). */
const URL_INPUTS = {
	imageSource: 'url',
	imageUrl: `${FAL_EXAMPLE_INPUTS}/stable-avatar-input-image.png`,
	audioSource: 'url',
	audioUrl: `${FAL_EXAMPLE_INPUTS}/stable-avatar-input-audio.mp3`,
};

export const WALK = {
	fields: { id: 'editorWalkFields', trigger: 'Video finished', generate: 'Generate', submit: 'Submit', getStatus: 'Get Status', cancel: 'Cancel' },
	http: { id: 'editorWalkHttpFal', node: 'fal via HTTP Request' },
	cancel: { id: 'editorWalkCancel', submit: 'Submit', cancel: 'Cancel job' },
	refused: { id: 'editorWalkRefused', node: 'Generate', prompt: 'A person speaks. [emulator:422 audio_url]' },
} as const;

/** A request id no job has: the probe only needs fal's answer to carry the credential's key. */
export const PROBE_REQUEST_ID = 'editor-walk-credential-probe';

function node(name: string, index: number, type: string, parameters: INode['parameters'], extra: Partial<INode> = {}): INode {
	return { id: `walk-${index}-${name.replace(/\W+/g, '-')}`, name, type, typeVersion: 1, position: [index * 240, 0], parameters, ...extra };
}

function avatar(name: string, index: number, parameters: INode['parameters']): INode {
	return node(name, index, AVATAR_TYPE, parameters, { credentials });
}

const manual = node('Run', 0, 'n8n-nodes-base.manualTrigger', {});

function chain(id: string, name: string, nodes: INode[]): IWorkflowBase {
	const connections: IWorkflowBase['connections'] = {};
	for (const [index, from] of nodes.slice(0, -1).entries()) {
		connections[from.name] = { main: [[{ node: nodes[index + 1].name, type: 'main', index: 0 }]] };
	}
	return { id, name, active: false, nodes, connections, settings: { executionOrder: 'v1' } } as unknown as IWorkflowBase;
}

export function walkWorkflows(emulatorUrl: string): IWorkflowBase[] {
	const { fields, http, cancel, refused } = WALK;
	return [
		chain(fields.id, 'Editor walk: every operation', [
			node(fields.trigger, 0, `${PACKAGE_NAME}.stableAvatarTrigger`, {}, { webhookId: '5f0c7e1a-3b7d-4c59-9a57-2d3b1c0e9f11', credentials }),
			avatar(fields.generate, 1, { operation: 'generate', ...URL_INPUTS }),
			avatar(fields.submit, 2, { operation: 'submit', ...URL_INPUTS }),
			avatar(fields.getStatus, 3, { operation: 'getStatus', requestId: '={{ $json.requestId }}' }),
			avatar(fields.cancel, 4, { operation: 'cancel', requestId: '={{ $json.requestId }}' }),
		]),
		chain(http.id, 'Editor walk: fal through HTTP Request', [
			manual,
			node(
				http.node,
				1,
				'n8n-nodes-base.httpRequest',
				{
					method: 'GET',
					url: `${emulatorUrl}/fal-ai/stable-avatar/requests/${PROBE_REQUEST_ID}/status`,
					authentication: 'predefinedCredentialType',
					nodeCredentialType: 'falApi',
					// fal knows no such job (404): the run still succeeds, the point is what was sent.
					options: { response: { response: { neverError: true } } },
				},
				{ typeVersion: 4.2, credentials },
			),
		]),
		chain(cancel.id, 'Editor walk: Submit, then Cancel', [
			manual,
			avatar(cancel.submit, 1, { operation: 'submit', ...URL_INPUTS, prompt: 'A person speaks at length. [emulator:run=60000]' }),
			avatar(cancel.cancel, 2, { operation: 'cancel', requestId: '={{ $json.requestId }}' }),
		]),
		chain(refused.id, 'Editor walk: fal refuses an input', [manual, avatar(refused.node, 1, { operation: 'generate', ...URL_INPUTS, prompt: refused.prompt })]),
	];
}

import type {
	IAuthenticateGeneric,
	Icon,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

/**
 * fal API key. `Authorization: Key <key>` is fal's scheme (not `Bearer`).
 * The optional base URL replaces fal's production origins with one origin that serves both the queue
 * and the storage paths: a company proxy, or the local emulator used in this package's tests.
 */
export class FalApi implements ICredentialType {
	name = 'falApi';

	displayName = 'Fal API';

	icon: Icon = { light: 'file:../icons/fal.svg', dark: 'file:../icons/fal.dark.svg' };

	documentationUrl = 'https://github.com/n8n-nodes-stable-avatar/n8n-nodes-stable-avatar#credential-fal-api';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			placeholder: 'key-id:key-secret',
			// Visible under the field: the description only shows as a tooltip.
			hint: 'Create a key at <a href="https://fal.ai/dashboard/keys" target="_blank">fal.ai/dashboard/keys</a> and paste all of it, key-id:key-secret. It is sent only to fal (or your Base URL).',
			description:
				'Your fal API key, from <a href="https://fal.ai/dashboard/keys" target="_blank">fal.ai/dashboard/keys</a>',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: '',
			placeholder: 'https://fal-proxy.example.com',
			hint: 'Usually empty. If Test answers with a code such as ECONNREFUSED, ENOTFOUND or ETIMEDOUT, n8n cannot reach this address: check it, or empty it to use fal directly.',
			description:
				"Leave empty to use fal's own servers. Set it only to route every fal request (queue and file storage) through one origin, such as a company proxy or a local fal emulator.",
		},
	];

	// Declarative, so that n8n's editor can offer this credential to other nodes (HTTP Request's
	// Predefined Credential Type, Custom API Call): a function form is invisible there.
	// n8n resolves this template with its expression engine on every request it signs, which costs
	// more CPU than the rest of n8n's request handling in a batch of hundreds of requests
	// (bench/profile.ts); the Stable Avatar nodes therefore sign their own fal requests once per run
	// (nodes/StableAvatar/helpers/falHttp.ts) and leave this template to the other nodes.
	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: { headers: { Authorization: '=Key {{$credentials.apiKey}}' } },
	};

	// Asking fal storage for an upload URL needs a valid key but runs no model and uploads nothing,
	// so the test is free (a test that submits a job would bill the user).
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl ? $credentials.baseUrl.replace(/\\/+$/, "") : "https://rest.fal.ai"}}',
			url: '/storage/upload/initiate?storage_type=fal-cdn-v3',
			method: 'POST',
			body: { content_type: 'text/plain', file_name: 'n8n-credential-test.txt' },
		},
		// n8n shows these instead of a bare "Unauthorized"; a Base URL that cannot be reached shows
		// the network code (explained in the Base URL hint): a wrong key and a wrong address read apart.
		rules: [
			{
				type: 'responseCode',
				properties: {
					value: 401,
					message: 'fal rejected the API key (401). Copy the whole key, key-id:key-secret, from fal.ai/dashboard/keys.',
				},
			},
			{
				type: 'responseCode',
				properties: {
					value: 403,
					message: 'fal refused this API key (403). It may be revoked or lack access: create a new key at fal.ai/dashboard/keys.',
				},
			},
			{
				type: 'responseCode',
				properties: {
					value: 404,
					message: 'The Base URL answered, but not as fal does (404). Empty Base URL to use fal directly, or give the address of a fal proxy.',
				},
			},
			{
				type: 'responseCode',
				properties: {
					value: 405,
					message: 'The Base URL answered, but not as fal does (405). Empty Base URL to use fal directly, or give the address of a fal proxy.',
				},
			},
		],
	};
}

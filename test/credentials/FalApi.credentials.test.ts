/**
 * The credential's test request, resolved with n8n's expression engine the way n8n's credential
 * tester does and sent to the emulator: it tells a valid key from an invalid one and costs nothing.
 */
import '../harness/userFolder';

import { Workflow, type INode, type IHttpRequestOptions } from 'n8n-workflow';

import { FalApi } from '../../credentials/FalApi.credentials';
import { TestCredentialsHelper } from '../harness/credentials';
import { TEST_API_KEY, useFalEmulator } from '../harness/fal';
import { nodeTypes } from '../harness/nodeTypes';

const ctx = useFalEmulator();
const credential = new FalApi();
const node = { id: 'n', name: 'n', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [0, 0], parameters: {} } as INode;
const workflow = new Workflow({ nodes: [node], connections: {}, active: false, nodeTypes });

async function testCredential(apiKey: string, baseUrl: string): Promise<number> {
	const data = { apiKey, baseUrl };
	const resolve = (value: string) => workflow.expression.getSimpleParameterValue(node, value, 'internal', { $credentials: data }) as string;
	const request = credential.test.request;
	const options: IHttpRequestOptions = {
		url: `${resolve(request.baseURL!)}${request.url}`,
		method: request.method,
		body: request.body as IHttpRequestOptions['body'],
	};
	const authenticated = await new TestCredentialsHelper(data).authenticate(data, 'falApi', options, workflow, node);
	const response = await fetch(authenticated.url, {
		method: authenticated.method,
		headers: { ...(authenticated.headers as Record<string, string>), 'Content-Type': 'application/json' },
		body: JSON.stringify(authenticated.body),
	});
	return response.status;
}

test('accepts a valid key and rejects an invalid one, without running a model', async () => {
	expect(await testCredential(TEST_API_KEY, ctx.fal.url)).toBe(200);
	expect(await testCredential('not-a-key', `${ctx.fal.url}/`)).toBe(401);
	expect(ctx.fal.submits()).toBe(0);
	expect(ctx.fal.log.map((entry) => entry.route)).toEqual(['initiate', 'initiate']);
	expect(ctx.fal.log[0].authorization).toBe(`Key ${TEST_API_KEY}`);
});

test('uses fal\'s storage host when no base URL is set', () => {
	const resolved = workflow.expression.getSimpleParameterValue(node, credential.test.request.baseURL!, 'internal', {
		$credentials: { apiKey: 'k', baseUrl: '' },
	});
	expect(resolved).toBe('https://rest.fal.ai');
});

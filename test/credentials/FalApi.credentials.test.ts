/**
 * The credential's test request, resolved with n8n's expression engine the way n8n's credential
 * tester does and sent to the emulator: it tells a valid key from an invalid one and costs nothing.
 */
import '../harness/userFolder';

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { Workflow, type INode, type IHttpRequestOptions } from 'n8n-workflow';

import { FalApi } from '../../credentials/FalApi.credentials';
import { applyDeclarativeAuthentication, TestCredentialsHelper } from '../harness/credentials';
import { TEST_API_KEY, useFalEmulator } from '../harness/fal';
import { nodeTypes } from '../harness/nodeTypes';

const ctx = useFalEmulator();
const credential = new FalApi();
const node = { id: 'n', name: 'n', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [0, 0], parameters: {} } as INode;
const workflow = new Workflow({ nodes: [node], connections: {}, active: false, nodeTypes });

/** What the request gave: an HTTP status, or the network code of a request that got no answer. */
type Answer = { status: number } | { code: string };

async function testCredential(apiKey: string, baseUrl: string): Promise<number> {
	const answer = await sendTest(apiKey, baseUrl);
	if ('code' in answer) throw new Error(`no answer: ${answer.code}`);
	return answer.status;
}

/**
 * The message n8n 2.41.1's credential tester (credentials-tester.service.js) shows for an answer:
 * a 2xx passes, a status with a `responseCode` rule shows the rule's message, another status its
 * status text, and a request that got no answer its network code.
 */
function verdict(answer: Answer): string {
	if ('code' in answer) return answer.code;
	if (answer.status >= 200 && answer.status < 300) return 'Connection successful!';
	const rule = credential.test.rules?.find((r) => r.type === 'responseCode' && r.properties.value === answer.status);
	return rule ? rule.properties.message : `Received HTTP status code: ${answer.status}`;
}

async function sendTest(apiKey: string, baseUrl: string): Promise<Answer> {
	const data = { apiKey, baseUrl };
	const resolve = (value: string) => workflow.expression.getSimpleParameterValue(node, value, 'internal', { $credentials: data }) as string;
	const request = credential.test.request;
	const options: IHttpRequestOptions = {
		url: `${resolve(request.baseURL!)}${request.url}`,
		method: request.method,
		body: request.body as IHttpRequestOptions['body'],
	};
	const authenticated = await new TestCredentialsHelper(data).authenticate(data, 'falApi', options, workflow, node);
	try {
		const response = await fetch(authenticated.url, {
			method: authenticated.method,
			headers: { ...(authenticated.headers as Record<string, string>), 'Content-Type': 'application/json' },
			body: JSON.stringify(authenticated.body),
		});
		return { status: response.status };
	} catch (error) {
		return { code: String((error as { cause?: { code?: string } }).cause?.code) };
	}
}

/** A 127.0.0.1 port nothing listens on: a server is started on it and closed again. */
async function closedPort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return port;
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

describe('what the Test button says', () => {
	test('a valid key passes', async () => {
		expect(verdict(await sendTest(TEST_API_KEY, ctx.fal.url))).toBe('Connection successful!');
	});

	test('a wrong key is called a wrong key, with where to get the right one', async () => {
		const message = verdict(await sendTest('not-a-key', ctx.fal.url));
		expect(message).toMatch(/^fal rejected the API key \(401\)/);
		expect(message).toContain('fal.ai/dashboard/keys');
	});

	test('a Base URL that answers, but not as fal, is called a wrong Base URL', async () => {
		// Some other web server at that address, answering 404 to every path.
		const other = createServer((_request, response) => response.writeHead(404).end('Not Found'));
		await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
		const { port } = other.address() as AddressInfo;
		const answer = await sendTest(TEST_API_KEY, `http://127.0.0.1:${port}`).finally(() => other.close());
		const message = verdict(answer);
		expect(message).toMatch(/^The Base URL answered, but not as fal does \(404\)/);
		expect(message).not.toContain('API key');
	});

	test('a Base URL nothing answers on shows a network code that the Base URL hint explains', async () => {
		const message = verdict(await sendTest(TEST_API_KEY, `http://127.0.0.1:${await closedPort()}`));
		expect(message).toBe('ECONNREFUSED');
		const baseUrl = credential.properties.find((p) => p.name === 'baseUrl')!;
		expect(baseUrl.hint).toContain(message);
	});

	test('every rule names its HTTP status and what to do about it', () => {
		for (const rule of credential.test.rules ?? []) {
			expect(rule.type).toBe('responseCode');
			expect(String(rule.properties.message)).toContain(`(${rule.properties.value}). `);
		}
	});
});

describe('for other nodes (HTTP Request, Custom API Call)', () => {
	test('authenticate is declarative, so n8n\'s editor lists the credential, and gives fal\'s header', () => {
		// The editor reads credential types as JSON (/types/credentials.json): a function would vanish.
		const asEditorSeesIt = JSON.parse(JSON.stringify(credential)) as { authenticate?: unknown };
		expect(asEditorSeesIt.authenticate).toEqual({ type: 'generic', properties: { headers: { Authorization: '=Key {{$credentials.apiKey}}' } } });
		const signed = applyDeclarativeAuthentication({ apiKey: TEST_API_KEY, baseUrl: '' }, { url: 'https://queue.fal.run/x' }, workflow, node);
		expect(signed.headers).toEqual({ Authorization: `Key ${TEST_API_KEY}` });
	});
});

/** Submit: start a job and return at once; the webhook carries the outcome. */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

import { errorOf, outputOf } from '../../../harness/engine';
import { useFalEmulator } from '../../../harness/fal';
import { AVATAR_NODE, avatarWorkflow, urlInputs } from '../../../harness/workflows';

const ctx = useFalEmulator({ runMs: 200 });

describe('Submit', () => {
	test('returns the request id and the job URLs at once, before the job runs', async () => {
		ctx.fal.options.runMs = 60_000;
		const run = await ctx.run(avatarWorkflow([{}], urlInputs({ operation: 'submit' })));
		const [item] = outputOf(run, AVATAR_NODE);
		const [job] = [...ctx.fal.jobs.values()];
		expect(item.json).toEqual({
			requestId: job.requestId,
			endpoint: 'fal-ai/stable-avatar',
			statusUrl: `${ctx.fal.url}/fal-ai/stable-avatar/requests/${job.requestId}/status`,
			responseUrl: `${ctx.fal.url}/fal-ai/stable-avatar/requests/${job.requestId}`,
			cancelUrl: `${ctx.fal.url}/fal-ai/stable-avatar/requests/${job.requestId}/cancel`,
			webhookUrl: null,
			reference: null,
		});
		expect(job.status).not.toBe('COMPLETED');
		expect(ctx.fal.log.map((entry) => entry.route)).toEqual(['submit']);
	});

	test('passes the webhook URL to fal, which calls it with the outcome when the job ends', async () => {
		const received: unknown[] = [];
		const server = createServer(async (request: IncomingMessage, response) => {
			received.push(JSON.parse(await text(request)));
			response.end('ok');
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		const webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook-waiting/42`;
		try {
			const run = await ctx.run(avatarWorkflow([{}], urlInputs({ operation: 'submit', webhookUrl })));
			const { requestId } = outputOf(run, AVATAR_NODE)[0].json;
			expect(ctx.fal.jobs.get(requestId as string)?.webhookUrl).toBe(webhookUrl);
			await ctx.fal.waitFor(() => received.length > 0);
			expect(received[0]).toMatchObject({ request_id: requestId, status: 'OK', payload: { video: { url: expect.any(String) } } });
		} finally {
			await new Promise((resolve) => server.close(resolve));
		}
	});

	test('adds the reference to the webhook URL query, whether or not the URL has one', async () => {
		const run = await ctx.run(
			avatarWorkflow(
				[{ json: { id: 'row-7' } }, { json: { id: 42 } }],
				urlInputs({ operation: 'submit', webhookUrl: 'http://127.0.0.1:9/webhook/abc/stable-avatar', reference: '={{ $json.id }}' }),
			),
		);
		const out = outputOf(run, AVATAR_NODE);
		expect(out.map((item) => item.json.reference)).toEqual(['row-7', '42']);
		expect(out.map((item) => item.json.webhookUrl)).toEqual([
			'http://127.0.0.1:9/webhook/abc/stable-avatar?reference=row-7',
			'http://127.0.0.1:9/webhook/abc/stable-avatar?reference=42',
		]);
		const withQuery = await ctx.run(
			avatarWorkflow([{}], urlInputs({ operation: 'submit', webhookUrl: 'http://127.0.0.1:9/hook?x=1', reference: 'a/b+c@d:e' })),
		);
		const [job] = [...ctx.fal.jobs.values()].slice(-1);
		expect(job.webhookUrl).toBe('http://127.0.0.1:9/hook?x=1&reference=a%2Fb%2Bc%40d%3Ae');
		expect(new URL(job.webhookUrl!).searchParams.get('reference')).toBe('a/b+c@d:e');
		expect(outputOf(withQuery, AVATAR_NODE)[0].json.reference).toBe('a/b+c@d:e');
	});

	test.each([
		['has characters that are not allowed (got "row 1; drop")', 'row 1; drop', 'http://127.0.0.1:9/hook'],
		['is 201 characters long', 'x'.repeat(201), 'http://127.0.0.1:9/hook'],
		['could name a path outside a folder (got "../x")', '../x', 'http://127.0.0.1:9/hook'],
		['could name a path outside a folder (got "rows/../../etc")', 'rows/../../etc', 'http://127.0.0.1:9/hook'],
		['could name a path outside a folder (got "/tmp/x")', '/tmp/x', 'http://127.0.0.1:9/hook'],
		['is set but Webhook URL is empty', 'row-1', ''],
	])('refuses a bad reference before submitting: %s', async (problem, reference, webhookUrl) => {
		const run = await ctx.run(avatarWorkflow([{}], urlInputs({ operation: 'submit', webhookUrl, reference })));
		expect(errorOf(run, AVATAR_NODE)?.message).toBe(`Item 0: Reference ${problem}`);
		expect(ctx.fal.submits()).toBe(0);
	});

	test('rejects a webhook URL that is not http(s) before submitting', async () => {
		const run = await ctx.run(avatarWorkflow([{}], urlInputs({ operation: 'submit', webhookUrl: 'file:///tmp/x' })));
		expect(errorOf(run, AVATAR_NODE)?.message).toMatch(/^Item 0: Webhook URL is not an http\(s\) URL/);
		expect(ctx.fal.submits()).toBe(0);
	});
});

async function text(request: IncomingMessage): Promise<string> {
	const chunks: Buffer[] = [];
	for await (const chunk of request) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks).toString();
}

/**
 * Issue 6, case 2: bad input is rejected before anything reaches fal (no upload, no submit, no request
 * at all), with a message naming the item and the field. Generate's model-input checks are covered
 * in test/nodes/StableAvatar/actions/generate.validation.test.ts; this adds the rest: the same checks
 * on Submit, endpoint IDs and request IDs that cannot be ones, job settings (Max Concurrent Jobs,
 * timeout, output field, On Timeout), on every operation that reads them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { IDataObject } from 'n8n-workflow';

import { errorOf, outputOf } from '../harness/engine';
import type { FixtureItem } from '../harness/itemsNode';
import { AVATAR_NODE, avatarWorkflow, urlInputs } from '../harness/workflows';
import { useReliability } from './support';

const ctx = useReliability();
const assets = join(__dirname, '../../examples/assets');
const png = { bytes: readFileSync(join(assets, 'portrait.png')), mimeType: 'image/png', fileName: 'portrait.png' };
const mp3 = { bytes: readFileSync(join(assets, 'speech.mp3')), mimeType: 'audio/mpeg', fileName: 'speech.mp3' };

/** Item 0 is fine; item 1 carries `bad` in $json.value, which the parameter under test reads. */
const twoItems = (bad: unknown): FixtureItem[] => [{ json: { value: null } }, { json: { value: bad as IDataObject[string] } }];

/** The run fails with `message`, and the emulator saw no request at all: nothing uploaded, nothing submitted. */
async function expectRejected(items: FixtureItem[], parameters: IDataObject, message: RegExp) {
	const run = await ctx.run(avatarWorkflow(items, parameters));
	const error = errorOf(run, AVATAR_NODE);
	expect(run.status).toBe('error');
	expect(error?.message).toMatch(message);
	expect(ctx.requests).toEqual([]);
	expect(ctx.fal.submits()).toBe(0);
	return error;
}

describe('Submit checks its input like Generate, before anything is uploaded or submitted', () => {
	const submit = (extra: IDataObject) => urlInputs({ operation: 'submit', ...extra });
	test.each([
		['an empty prompt', { prompt: '={{ $json.value ?? "ok" }}' }, '', /^Item 1: Prompt is empty/],
		['a file: image URL', { imageUrl: '={{ $json.value ?? "https://x.test/a.png" }}' }, 'file:///etc/passwd', /^Item 1: Image URL is not an http\(s\) URL/],
		['a javascript: audio URL', { audioUrl: '={{ $json.value ?? "https://x.test/a.mp3" }}' }, 'javascript:alert(1)', /^Item 1: Audio URL is not an http\(s\) URL/],
		['a guidance scale above 10', { options: { guidanceScale: '={{ $json.value ?? 5 }}' } }, 11, /^Item 1: Guidance Scale is out of range \(got 11\)/],
		['fractional inference steps', { options: { numInferenceSteps: '={{ $json.value ?? 50 }}' } }, 20.5, /^Item 1: Inference Steps must be a whole number/],
		['a non-numeric seed', { options: { seed: '={{ $json.value ?? 1 }}' } }, 'lucky', /^Item 1: Seed is not a number \(got "lucky"\)/],
		['an unknown aspect ratio', { aspectRatio: '={{ $json.value ?? "auto" }}' }, '4:3', /^Item 1: Aspect Ratio must be one of/],
		['a webhook URL that is not http(s)', { webhookUrl: '={{ $json.value ?? "" }}' }, 'javascript:alert(1)', /^Item 1: Webhook URL is not an http\(s\) URL/],
		['an endpoint ID that is not one', { advancedOptions: { endpointId: '={{ $json.value ?? "fal-ai/stable-avatar" }}' } }, 'stable-avatar', /^Item 1: Endpoint ID is not a fal endpoint ID \(got "stable-avatar"\)/],
	])('rejects %s', async (_name, parameters, bad, message) => {
		await expectRejected(twoItems(bad), submit(parameters), message);
	});

	test('rejects a missing binary field, and names the ones there are', async () => {
		const error = await expectRejected(
			[{ binary: { image: png, audio: mp3 } }, { binary: { image: png, speech: mp3 } }],
			{ operation: 'submit', imageSource: 'binary', imageBinaryProperty: 'image', audioSource: 'binary', audioBinaryProperty: 'audio' },
			/^Item 1: Audio Input Binary Field "audio" is not on the item/,
		);
		expect(error?.description).toContain('image, speech');
	});

	test('rejects an image given as audio', async () => {
		await expectRejected(
			[{ binary: { image: png, audio: mp3 } }, { binary: { image: png, audio: png } }],
			{ operation: 'submit', imageSource: 'binary', imageBinaryProperty: 'image', audioSource: 'binary', audioBinaryProperty: 'audio' },
			/^Item 1: Audio Input Binary Field "audio" holds image\/png, not audio/,
		);
	});
});

describe('Endpoint IDs that are not ones are rejected by every operation', () => {
	const notEndpoints = [
		['no owner', 'stable-avatar'],
		['a space', 'fal-ai/stable avatar'],
		['a URL', 'https://evil.test/fal-ai/stable-avatar'],
		['a parent-directory segment', 'fal-ai/../storage/upload/initiate'],
		['a leading parent-directory segment', '../fal-ai/stable-avatar'],
		['a current-directory segment', 'fal-ai/./stable-avatar'],
		['a query', 'fal-ai/stable-avatar?x=1'],
		['a trailing slash', 'fal-ai/stable-avatar/'],
	] as const;

	test.each(notEndpoints)('Generate rejects one with %s', async (_name, endpointId) => {
		await expectRejected(
			twoItems(endpointId),
			urlInputs({ advancedOptions: { endpointId: '={{ $json.value ?? "fal-ai/stable-avatar" }}' } }),
			/^Item 1: Endpoint ID is not a fal endpoint ID/,
		);
	});

	test.each(['getStatus', 'getResult', 'cancel'])('%s rejects one', async (operation) => {
		await expectRejected(
			[{ json: { value: null } }, { json: { value: 'fal-ai/../storage' } }],
			{ operation, requestId: 'abc-123', advancedOptions: { endpointId: '={{ $json.value ?? "fal-ai/stable-avatar" }}' } },
			/^Item 1: Endpoint ID is not a fal endpoint ID \(got "fal-ai\/\.\.\/storage"\)/,
		);
	});

	test('an endpoint with a sub-path is one (fal-ai/flux/dev style) and is accepted', async () => {
		const run = await ctx.run(avatarWorkflow([{}], urlInputs({ operation: 'submit', advancedOptions: { endpointId: 'fal-ai/stable-avatar/v2' } })));
		expect(run.status).toBe('success');
		expect([...ctx.fal.jobs.values()].map((job) => job.endpointId)).toEqual(['fal-ai/stable-avatar/v2']);
	});
});

describe('Request IDs that are not ones are rejected before calling fal', () => {
	const notRequestIds = [
		['a path', '../../etc/passwd'],
		['a space', 'abc def'],
		['a query', 'abc?logs=1'],
		['a slash', 'abc/status'],
	] as const;
	const operations = ['getStatus', 'getResult', 'cancel'] as const;
	const cases = operations.flatMap((operation) => notRequestIds.map(([name, id]) => [operation, name, id] as const));

	test.each(cases)('%s rejects one with %s', async (operation, _name, requestId) => {
		const error = await expectRejected(
			twoItems(requestId),
			{ operation, requestId: '={{ $json.value ?? "abc-123" }}' },
			/^Item 1: Request ID is not a fal request ID/,
		);
		expect(error?.description).toContain('requestId output by Submit or Generate');
	});

	test.each(operations)('%s rejects an empty one', async (operation) => {
		await expectRejected(twoItems(''), { operation, requestId: '={{ $json.value ?? "abc-123" }}' }, /^Item 1: Request ID is empty/);
	});
});

describe('Job settings', () => {
	test.each([
		['0', 0, /^Item 0: Max Concurrent Jobs is out of range \(got 0\)/],
		['a negative number', -3, /^Item 0: Max Concurrent Jobs is out of range \(got -3\)/],
		['a fraction', 1.5, /^Item 0: Max Concurrent Jobs must be a whole number \(got 1.5\)/],
		['more than 1000', 5000, /^Item 0: Max Concurrent Jobs is out of range \(got 5000\)/],
		['text', '"many"', /^Item 0: Max Concurrent Jobs is not a number \(got "many"\)/],
	])('a Max Concurrent Jobs of %s is rejected before any request', async (_name, value, message) => {
		await expectRejected([{}, {}], urlInputs({ advancedOptions: { maxConcurrentJobs: `={{ ${value} }}` } }), message);
	});

	test.each([
		['a timeout of 0 minutes', { timeoutMinutes: '={{ $json.value ?? 120 }}' }, 0, /^Item 1: Timeout \(Minutes\) is out of range \(got 0\)/],
		['a negative timeout', { timeoutMinutes: '={{ $json.value ?? 120 }}' }, -5, /^Item 1: Timeout \(Minutes\) is out of range \(got -5\)/],
		['an empty output binary field', { outputBinaryProperty: '={{ $json.value ?? "data" }}' }, ' ', /^Item 1: Output Binary Field is empty/],
		['an unknown On Timeout', { onTimeout: '={{ $json.value ?? "cancel" }}' }, 'sometimes', /^Item 1: On Timeout must be one of cancel, returnRequestId \(got "sometimes"\)/],
	])('Generate rejects %s', async (_name, advancedOptions, bad, message) => {
		await expectRejected(twoItems(bad), urlInputs({ advancedOptions }), message);
	});

	test('Get Result rejects an empty output binary field', async () => {
		await expectRejected(
			twoItems(''),
			{ operation: 'getResult', requestId: 'abc-123', advancedOptions: { outputBinaryProperty: '={{ $json.value ?? "data" }}' } },
			/^Item 1: Output Binary Field is empty/,
		);
	});

	test('with Continue On Fail, a bad item is held back and only the good one is submitted', async () => {
		const run = await ctx.run(
			avatarWorkflow(twoItems('fal-ai/../x'), urlInputs({ operation: 'submit', advancedOptions: { endpointId: '={{ $json.value ?? "fal-ai/stable-avatar" }}' } }), {
				onError: 'continueRegularOutput',
			}),
		);
		const [good, bad] = outputOf(run, AVATAR_NODE);
		expect(good.json.requestId).toEqual(expect.any(String));
		expect(bad.json).toMatchObject({ error: expect.stringMatching(/^Item 1: Endpoint ID is not a fal endpoint ID/), requestId: null });
		expect(ctx.fal.submits()).toBe(1);
	});
});

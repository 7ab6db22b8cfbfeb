/** Bad input is rejected before anything is uploaded or submitted, naming the item and the field. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { IDataObject } from 'n8n-workflow';

import { errorOf, outputOf } from '../../../harness/engine';
import { useFalEmulator } from '../../../harness/fal';
import type { FixtureItem } from '../../../harness/itemsNode';
import { AVATAR_NODE, avatarWorkflow, urlInputs } from '../../../harness/workflows';

const ctx = useFalEmulator();
const assets = join(__dirname, '../../../../examples/assets');
const png = { bytes: readFileSync(join(assets, 'portrait.png')), mimeType: 'image/png', fileName: 'portrait.png' };
const mp3 = { bytes: readFileSync(join(assets, 'speech.mp3')), mimeType: 'audio/mpeg', fileName: 'speech.mp3' };
const binaryInputs = { imageSource: 'binary', imageBinaryProperty: 'image', audioSource: 'binary', audioBinaryProperty: 'audio' };

/** Item 0 is fine; item 1 carries the bad value. Nothing at all may reach fal. */
async function expectRejected(items: FixtureItem[], parameters: IDataObject, message: RegExp) {
	const run = await ctx.run(avatarWorkflow(items, { operation: 'generate', ...parameters }));
	const error = errorOf(run, AVATAR_NODE);
	expect(run.status).toBe('error');
	expect(error?.message).toMatch(message);
	expect(ctx.fal.log.filter((entry) => entry.route !== 'unknown')).toEqual([]);
	return error;
}

const twoItems = (bad: IDataObject): FixtureItem[] => [{ json: { value: null } }, { json: { value: bad.value ?? null } }];

describe('Generate input checks', () => {
	test.each([
		['an empty prompt', { prompt: '={{ $json.value ?? "ok" }}' }, { value: '' }, /^Item 1: Prompt is empty/],
		['a file: URL', { imageUrl: '={{ $json.value ?? "https://x.test/a.png" }}' }, { value: 'file:///etc/passwd' }, /^Item 1: Image URL is not an http\(s\) URL/],
		['a javascript: URL', { audioUrl: '={{ $json.value ?? "https://x.test/a.mp3" }}' }, { value: 'javascript:alert(1)' }, /^Item 1: Audio URL is not an http\(s\) URL/],
		['an ftp: URL', { imageUrl: '={{ $json.value ?? "https://x.test/a.png" }}' }, { value: 'ftp://host/a.png' }, /^Item 1: Image URL is not an http\(s\) URL/],
		['a URL without a host', { imageUrl: '={{ $json.value ?? "https://x.test/a.png" }}' }, { value: 'https://' }, /^Item 1: Image URL is not an http\(s\) URL/],
		['a guidance scale above 10', { options: { guidanceScale: '={{ $json.value ?? 5 }}' } }, { value: 11 }, /^Item 1: Guidance Scale is out of range \(got 11\)/],
		['an audio guidance scale below 0', { options: { audioGuidanceScale: '={{ $json.value ?? 4 }}' } }, { value: -1 }, /^Item 1: Audio Guidance Scale is out of range/],
		['too few inference steps', { options: { numInferenceSteps: '={{ $json.value ?? 50 }}' } }, { value: 5 }, /^Item 1: Inference Steps is out of range/],
		['fractional inference steps', { options: { numInferenceSteps: '={{ $json.value ?? 50 }}' } }, { value: 20.5 }, /^Item 1: Inference Steps must be a whole number/],
		['a perturbation above 1', { options: { perturbation: '={{ $json.value ?? 0.1 }}' } }, { value: 1.5 }, /^Item 1: Perturbation is out of range/],
		['a non-integer seed', { options: { seed: '={{ $json.value ?? 1 }}' } }, { value: 1.5 }, /^Item 1: Seed must be a whole number/],
		['NaN', { options: { guidanceScale: '={{ $json.value === null ? 5 : NaN }}' } }, { value: 'x' }, /^Item 1: Guidance Scale is not a number/],
		['a string where a number belongs', { options: { guidanceScale: '={{ $json.value ?? 5 }}' } }, { value: 'loud' }, /^Item 1: Guidance Scale is not a number \(got "loud"\)/],
		['an unknown aspect ratio', { aspectRatio: '={{ $json.value ?? "auto" }}' }, { value: '4:3' }, /^Item 1: Aspect Ratio must be one of/],
	])('rejects %s', async (_name, parameters, bad, message) => {
		await expectRejected(twoItems(bad), urlInputs(parameters), message);
	});

	test('rejects a missing binary property and lists the ones there are', async () => {
		const error = await expectRejected([{ binary: { image: png, audio: mp3 } }, { binary: { image: png, speech: mp3 } }], binaryInputs, /^Item 1: Audio Input Binary Field "audio" is not on the item/);
		expect(error?.description).toContain('image, speech');
	});

	test('rejects a zero-byte binary', async () => {
		await expectRejected(
			[{ binary: { image: png, audio: mp3 } }, { binary: { image: png, audio: { ...mp3, bytes: Buffer.alloc(0) } } }],
			binaryInputs,
			/^Item 1: Audio Input Binary Field "audio" is empty \(0 bytes\)/,
		);
	});

	test('rejects an image given as audio, and says the fields may be swapped', async () => {
		const error = await expectRejected(
			[{ binary: { image: png, audio: mp3 } }, { binary: { image: mp3, audio: png } }],
			binaryInputs,
			/^Item 1: Image Input Binary Field "image" holds audio\/mpeg, not image/,
		);
		expect(error?.description).toContain('swapped');
	});

	test('rejects audio given as an image', async () => {
		await expectRejected(
			[{ binary: { image: png, audio: mp3 } }, { binary: { image: png, audio: { ...png } } }],
			binaryInputs,
			/^Item 1: Audio Input Binary Field "audio" holds image\/png, not audio/,
		);
	});

	test('rejects a binary that is neither image nor audio', async () => {
		const pdf = { bytes: Buffer.from('%PDF-1.4'), mimeType: 'application/pdf', fileName: 'doc.pdf' };
		await expectRejected([{ binary: { image: png, audio: mp3 } }, { binary: { image: pdf, audio: mp3 } }], binaryInputs, /^Item 1: Image Input Binary Field "image" holds application\/pdf, not image/);
	});

	test('accepts an octet-stream binary whose file name says what it is', async () => {
		const run = await ctx.run(
			avatarWorkflow([{ binary: { image: png, audio: { ...mp3, mimeType: 'application/octet-stream' } } }], { operation: 'generate', ...binaryInputs }),
		);
		expect(run.status).toBe('success');
		expect([...ctx.fal.uploads.values()].map((u) => u.contentType).sort()).toEqual(['audio/mpeg', 'image/png']);
	});

	test('with Continue On Fail, only the bad item is held back', async () => {
		const run = await ctx.run(
			avatarWorkflow(twoItems({ value: 11 }), urlInputs({ options: { guidanceScale: '={{ $json.value ?? 5 }}' } }), {
				onError: 'continueRegularOutput',
			}),
		);
		const [good, bad] = outputOf(run, AVATAR_NODE);
		expect(good.binary?.data).toBeDefined();
		expect(bad.json.error).toMatch(/^Item 1: Guidance Scale is out of range/);
		expect(ctx.fal.submits()).toBe(1);
	});
});

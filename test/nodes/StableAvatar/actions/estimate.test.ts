/**
 * The estimate phase, through n8n's engine: audio durations read before anything is uploaded (each
 * format, from a binary input and from a URL), the five-minute limit, and Max Estimated Cost.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { errorOf, outputOf } from '../../../harness/engine';
import { useFalEmulator } from '../../../harness/fal';
import { hostFile, silentWav } from '../../../harness/hostedFiles';
import { AVATAR_NODE, avatarWorkflow, IMAGE_URL } from '../../../harness/workflows';

const ctx = useFalEmulator();
const media = join(__dirname, '../../../fixtures/media');
/** Durations recorded when the fixtures were made: ffprobe's, or the decoded length where ffprobe only guesses. */
const ffprobe = JSON.parse(readFileSync(join(media, 'durations.json'), 'utf8')) as Record<string, number>;
const AUDIO_TYPES: Record<string, string> = { wav: 'audio/wav', mp3: 'audio/mpeg', m4a: 'audio/mp4', ogg: 'audio/ogg', opus: 'audio/opus', flac: 'audio/flac', aac: 'audio/aac', webm: 'audio/webm' };
const audioFixtures = Object.keys(ffprobe).filter((name) => !name.endsWith('.mp4'));
const typeOf = (name: string) => AUDIO_TYPES[name.split('.').pop()!];

function binaryAudioGenerate(extra: Record<string, unknown> = {}) {
	return { operation: 'generate', imageSource: 'url', imageUrl: IMAGE_URL, audioSource: 'binary', audioBinaryProperty: 'data', ...extra };
}

function audioItem(path: string, fileName: string, mimeType: string) {
	return { binary: { data: { path, fileName, mimeType } } };
}

function tempFile(name: string, bytes: Buffer): string {
	const path = join(mkdtempSync(join(tmpdir(), 'stable-avatar-estimate-')), name);
	writeFileSync(path, bytes);
	return path;
}

/** MPEG-1 Layer III, 128 kbit/s, 44.1 kHz: 417-byte frames of 1152 samples (zeros decode as silence). */
function cbrMp3(seconds: number): Buffer {
	const frame = Buffer.alloc(417);
	frame.set([0xff, 0xfb, 0x90, 0x00]);
	return Buffer.concat(Array.from({ length: Math.ceil((seconds * 44_100) / 1152) }, () => frame));
}

/** Six-minute files made here rather than committed: a WAV, and an MP3 as ElevenLabs sends it (CBR, no Xing). */
function sixMinuteFiles(): Array<[string, Buffer, string]> {
	return [
		['six-minutes.wav', silentWav(360), 'audio/wav'],
		['six-minutes.mp3', cbrMp3(360), 'audio/mpeg'],
	];
}

/** Kinds a streaming encoder writes with no length in their headers (VBR MP3 without Xing, raw ADTS AAC). */
const STREAMED: Array<[string, string[], string]> = [
	['vbr-no-xing.mp3', ['-c:a', 'libmp3lame', '-q:a', '7', '-write_xing', '0', '-f', 'mp3'], 'audio/mpeg'],
	['adts.aac', ['-c:a', 'aac', '-b:a', '16k', '-f', 'adts'], 'audio/aac'],
];
/** Every kind whose length is counted to its end: the two above, streamed FLAC, fragmented M4A, WebM without Duration, Ogg. */
const FORMATS: Array<[string, string[], string]> = [
	...STREAMED,
	['streamed.flac', ['-c:a', 'flac', '-f', 'flac'], 'audio/flac'],
	['fragmented.m4a', ['-c:a', 'aac', '-b:a', '16k', '-movflags', 'frag_keyframe+empty_moov+default_base_moof', '-frag_duration', '10000000', '-f', 'mp4'], 'audio/mp4'],
	['streamed.webm', ['-c:a', 'libopus', '-b:a', '12k', '-f', 'webm'], 'audio/webm'],
	['opus.ogg', ['-c:a', 'libopus', '-b:a', '12k', '-f', 'ogg'], 'audio/ogg'],
];
const ffmpeg = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;

/** `seconds` of beeping tone encoded by ffmpeg into a pipe, as a streaming encoder writes: no sizes or counts filled in afterwards. */
function streamedAudio(seconds: number, encode: string[]): Buffer {
	const source = ['-f', 'lavfi', '-i', `sine=frequency=220:beep_factor=3:sample_rate=8000:duration=${seconds}`];
	const made = spawnSync('ffmpeg', ['-v', 'error', ...source, '-ac', '1', ...encode, 'pipe:1'], { maxBuffer: 64 * 1024 * 1024 });
	expect(made.status).toBe(0);
	return made.stdout;
}

describe('audio preflight', () => {
	test.each(audioFixtures)('%s: the duration read from a binary input agrees with ffprobe within 0.05 s', async (name) => {
		const run = await ctx.run(
			avatarWorkflow([audioItem(join(media, name), name, typeOf(name))], binaryAudioGenerate({ advancedOptions: { downloadVideo: false } })),
		);
		expect(run.status).toBe('success');
		const cost = outputOf(run, AVATAR_NODE)[0].json.cost as { seconds: number; usd: number; basis: string; estimate: boolean };
		expect(cost.basis).toBe('audio');
		expect(cost.estimate).toBe(true);
		expect(Math.abs(cost.seconds - ffprobe[name])).toBeLessThanOrEqual(0.05);
		// $0.10 a second, and at least fal's 4-second minimum.
		expect(cost.usd).toBeCloseTo(Math.max(4, cost.seconds) * 0.1, 2);
	});

	test.each(audioFixtures)('%s: the duration read with one range request to an audio URL agrees with ffprobe', async (name) => {
		const url = await hostFile(ctx.fal, join(media, name), typeOf(name));
		const run = await ctx.run(
			avatarWorkflow([{}], { operation: 'generate', imageSource: 'url', imageUrl: IMAGE_URL, audioSource: 'url', audioUrl: url, advancedOptions: { downloadVideo: false } }),
		);
		expect(run.status).toBe('success');
		const cost = outputOf(run, AVATAR_NODE)[0].json.cost as { seconds: number; basis: string };
		expect(cost.basis).toBe('audio');
		expect(Math.abs(cost.seconds - ffprobe[name])).toBeLessThanOrEqual(0.05);
		const reads = ctx.fal.log.filter((entry) => entry.route === 'cdn');
		expect(reads).toHaveLength(1);
		expect(reads[0].range).toBe('bytes=0-65535');
	});

	test('a 301-second WAV is refused before anything is uploaded or submitted, naming item, field, duration and limit', async () => {
		const long = tempFile('long.wav', silentWav(301));
		const short = tempFile('short.wav', silentWav(3));
		const run = await ctx.run(
			avatarWorkflow([audioItem(short, 'short.wav', 'audio/wav'), audioItem(long, 'long.wav', 'audio/wav')], binaryAudioGenerate()),
		);
		expect(run.status).toBe('error');
		const error = errorOf(run, AVATAR_NODE);
		expect(error?.message).toBe(
			'Item 1: Audio Input Binary Field "data" is 5:01 long (301.0 s), over the model\'s limit of 5 minutes (300 s)',
		);
		expect(error?.description).toContain('shorten the audio');
		expect(ctx.fal.log).toEqual([]);
	});

	test.each([
		['speech.pcm', 'audio/pcm'],
		['speech_24000.raw', 'audio/L16;rate=24000'],
	])('raw PCM (%s, %s) is refused before anything is uploaded, saying what to ask the speech service for', async (name, mimeType) => {
		const pcm = tempFile(name, Buffer.alloc(48_000 * 3, 1));
		const run = await ctx.run(avatarWorkflow([audioItem(pcm, name, mimeType)], binaryAudioGenerate()));
		expect(run.status).toBe('error');
		const error = errorOf(run, AVATAR_NODE);
		expect(error?.message).toBe('Item 0: Audio Input Binary Field "data" is raw PCM audio (no header): nothing was uploaded or submitted');
		expect(error?.description).toContain('Ask the speech service for WAV or MP3');
		expect(ctx.fal.log).toEqual([]);
	});

	test('raw PCM by URL is refused too, after the one range request, before anything is submitted', async () => {
		const url = await hostFile(ctx.fal, tempFile('speech.pcm', Buffer.alloc(48_000 * 3, 1)), 'audio/pcm');
		const run = await ctx.run(avatarWorkflow([{}], { operation: 'generate', imageSource: 'url', imageUrl: IMAGE_URL, audioSource: 'url', audioUrl: url }));
		expect(run.status).toBe('error');
		expect(errorOf(run, AVATAR_NODE)?.message).toBe('Item 0: Audio URL is raw PCM audio (no header): nothing was uploaded or submitted');
		expect(ctx.fal.submits()).toBe(0);
	});

	test('a WAV called audio/pcm is read as the WAV it is', async () => {
		const path = tempFile('speech.pcm', silentWav(3));
		const run = await ctx.run(avatarWorkflow([audioItem(path, 'speech.pcm', 'audio/pcm')], binaryAudioGenerate({ advancedOptions: { downloadVideo: false } })));
		expect(run.status).toBe('success');
		expect(outputOf(run, AVATAR_NODE)[0].json.cost).toMatchObject({ seconds: 3, basis: 'audio' });
	});

	test('a 300-second WAV is within the limit and runs', async () => {
		const path = tempFile('five-minutes.wav', silentWav(300));
		const run = await ctx.run(avatarWorkflow([audioItem(path, 'five-minutes.wav', 'audio/wav')], binaryAudioGenerate({ advancedOptions: { downloadVideo: false } })));
		expect(run.status).toBe('success');
		expect(outputOf(run, AVATAR_NODE)[0].json.cost).toEqual({ seconds: 300, usd: 30, basis: 'audio', estimate: true });
	});

	test('an audio URL is read by default (one range request), even with the video downloaded and no cap', async () => {
		const url = await hostFile(ctx.fal, join(media, 'wav-pcm16.wav'), 'audio/wav');
		const run = await ctx.run(avatarWorkflow([{}], { operation: 'generate', imageSource: 'url', imageUrl: IMAGE_URL, audioSource: 'url', audioUrl: url }));
		expect(run.status).toBe('success');
		expect(ctx.fal.log.filter((entry) => entry.route === 'cdn' && entry.range === 'bytes=0-65535')).toHaveLength(1);
	});

	test('Check Audio URL Length off: the audio URL is not read at all, and the cost comes from the video', async () => {
		const url = await hostFile(ctx.fal, join(media, 'wav-pcm16.wav'), 'audio/wav');
		const run = await ctx.run(
			avatarWorkflow([{}], { operation: 'generate', imageSource: 'url', imageUrl: IMAGE_URL, audioSource: 'url', audioUrl: url, advancedOptions: { checkAudioUrlLength: false } }),
		);
		expect(run.status).toBe('success');
		expect(ctx.fal.log.filter((entry) => entry.route === 'cdn' && entry.range !== undefined)).toEqual([]);
		expect(outputOf(run, AVATAR_NODE)[0].json.cost).toMatchObject({ basis: 'video' });
	});

	describe('six minutes in each format ffmpeg writes as speech services and recorders do, as binary audio: refused on defaults', () => {
		(ffmpeg ? test.each(FORMATS) : test.skip.each(FORMATS))('%s', async (name, encode, mimeType) => {
			const run = await ctx.run(avatarWorkflow([audioItem(tempFile(name, streamedAudio(360, encode)), name, mimeType)], binaryAudioGenerate()));
			expect(run.status).toBe('error');
			expect(errorOf(run, AVATAR_NODE)?.message).toMatch(/is 6:0\d long \(36\d\.\d s\), over the model's limit of 5 minutes/);
			expect(ctx.fal.log).toEqual([]);
		});
	});

	describe('six minutes of audio, on default settings: refused before any upload or submit', () => {
		test.each(sixMinuteFiles())('%s as binary audio', async (name, bytes, mimeType) => {
			const run = await ctx.run(avatarWorkflow([audioItem(tempFile(name, bytes), name, mimeType)], binaryAudioGenerate()));
			expect(run.status).toBe('error');
			expect(errorOf(run, AVATAR_NODE)?.message).toMatch(/is 6:00 long \(360\.\d s\), over the model's limit of 5 minutes/);
			expect(ctx.fal.log).toEqual([]);
		});

		test.each(sixMinuteFiles())('%s by URL', async (name, bytes, mimeType) => {
			const url = await hostFile(ctx.fal, tempFile(name, bytes), mimeType);
			const run = await ctx.run(avatarWorkflow([{}], { operation: 'generate', imageSource: 'url', imageUrl: IMAGE_URL, audioSource: 'url', audioUrl: url }));
			expect(run.status).toBe('error');
			expect(errorOf(run, AVATAR_NODE)?.message).toMatch(/is 6:00 long \(360\.\d s\), over the model's limit of 5 minutes/);
			expect(ctx.fal.submits()).toBe(0);
			expect(ctx.fal.log.map((entry) => `${entry.route} ${entry.range ?? ''}`)).toEqual(['cdn bytes=0-65535']);
		});

		// Kinds whose first 64 KiB give only an estimate: near the limit the rest is read once, and the exact length refuses.
		const byUrl = (url: string, extra: Record<string, unknown> = {}) =>
			avatarWorkflow([{}], { operation: 'generate', imageSource: 'url', imageUrl: IMAGE_URL, audioSource: 'url', audioUrl: url, ...extra });

		(ffmpeg ? test.each(FORMATS) : test.skip.each(FORMATS))('%s by URL: the rest of the file is read once, and six minutes are refused', async (name, encode, mimeType) => {
			const url = await hostFile(ctx.fal, tempFile(name, streamedAudio(360, encode)), mimeType);
			const run = await ctx.run(byUrl(url));
			expect(run.status).toBe('error');
			expect(errorOf(run, AVATAR_NODE)?.message).toMatch(/is 6:0\d long \(36\d\.\d s\), over the model's limit of 5 minutes/);
			expect(ctx.fal.submits()).toBe(0);
			expect(ctx.fal.log.map((entry) => `${entry.route} ${entry.range ?? ''}`)).toEqual(['cdn bytes=0-65535', 'cdn bytes=65536-']);
		});

		(ffmpeg ? test.each(STREAMED) : test.skip.each(STREAMED))('%s by URL, one minute (over 64 KiB): one range request only, and it runs', async (name, encode, mimeType) => {
			const bytes = streamedAudio(60, encode);
			expect(bytes.length).toBeGreaterThan(65_536);
			const url = await hostFile(ctx.fal, tempFile(name, bytes), mimeType);
			const run = await ctx.run(byUrl(url, { advancedOptions: { downloadVideo: false } }));
			expect(run.status).toBe('success');
			expect(outputOf(run, AVATAR_NODE)[0].json.cost).toMatchObject({ basis: 'audio' });
			expect(ctx.fal.log.filter((entry) => entry.route === 'cdn').map((entry) => entry.range)).toEqual(['bytes=0-65535']);
		});
	});
});

describe('Max Estimated Cost (USD)', () => {
	const threeSeconds = () => tempFile('three.wav', silentWav(3));
	const fortySeconds = () => tempFile('forty.wav', silentWav(40));

	test('a batch over the cap is refused whole, with the total, the cap and the costliest items; nothing reaches fal', async () => {
		const items = [audioItem(threeSeconds(), 'a.wav', 'audio/wav'), audioItem(fortySeconds(), 'b.wav', 'audio/wav'), audioItem(threeSeconds(), 'c.wav', 'audio/wav')];
		const run = await ctx.run(avatarWorkflow(items, binaryAudioGenerate({ advancedOptions: { maxCostUsd: 4.5 } })));
		expect(run.status).toBe('error');
		const error = errorOf(run, AVATAR_NODE);
		// 4 s minimum for the 3-second clips: $0.40 + $4.00 + $0.40.
		expect(error?.message).toBe(
			"The run's estimated cost, $4.80 for 3 job(s), is over Max Estimated Cost (USD) $4.50: nothing was uploaded or submitted",
		);
		expect(error?.description).toContain('Costliest items: item 1: $4.00, item 0: $0.40, item 2: $0.40.');
		expect(ctx.fal.log).toEqual([]);
	});

	test('Submit refuses a batch over the cap too; audio URLs cost one range request each, and nothing else is asked', async () => {
		const url = await hostFile(ctx.fal, fortySeconds(), 'audio/wav');
		const items = [{}, {}, {}];
		const run = await ctx.run(
			avatarWorkflow(items, { operation: 'submit', imageSource: 'url', imageUrl: IMAGE_URL, audioSource: 'url', audioUrl: url, advancedOptions: { maxCostUsd: 10 } }),
		);
		expect(run.status).toBe('error');
		expect(errorOf(run, AVATAR_NODE)?.message).toContain('$12.00 for 3 job(s), is over Max Estimated Cost (USD) $10.00');
		expect(ctx.fal.log.map((entry) => `${entry.method} ${entry.route} ${entry.range ?? ''}`)).toEqual(Array(3).fill('GET cdn bytes=0-65535'));
		expect(ctx.fal.submits()).toBe(0);
	});

	test('audio whose length cannot be read counts at the five-minute maximum ($30)', async () => {
		const noise = tempFile('noise.wav', Buffer.alloc(4096, 7));
		const run = await ctx.run(
			avatarWorkflow([audioItem(threeSeconds(), 'a.wav', 'audio/wav'), audioItem(noise, 'noise.wav', 'audio/wav')], binaryAudioGenerate({ advancedOptions: { maxCostUsd: 20 } })),
		);
		expect(run.status).toBe('error');
		const error = errorOf(run, AVATAR_NODE);
		expect(error?.message).toContain('$30.40 for 2 job(s)');
		expect(error?.description).toContain('item 1: $30.00 (duration unknown)');
		expect(error?.description).toContain('1 item(s) of unknown duration count at the five-minute maximum, $30.00 each.');
		expect(ctx.fal.log).toEqual([]);
	});

	test.each([
		['speech.aiff', Buffer.concat([Buffer.from('FORM'), Buffer.alloc(4), Buffer.from('AIFF'), Buffer.alloc(4000)]), 'audio/aiff', 'AIFF'],
		['speech.amr', Buffer.concat([Buffer.from('#!AMR\n'), Buffer.alloc(4000)]), 'audio/amr', 'AMR'],
	])('a format the node does not read (%s) counts at $30, and the refusal names it', async (name, bytes, mimeType, format) => {
		const run = await ctx.run(avatarWorkflow([audioItem(tempFile(name, bytes), name, mimeType)], binaryAudioGenerate({ advancedOptions: { maxCostUsd: 20 } })));
		expect(run.status).toBe('error');
		expect(errorOf(run, AVATAR_NODE)?.description).toContain(`item 0: $30.00 (duration unknown: ${format})`);
		expect(ctx.fal.log).toEqual([]);
	});

	test('a batch within the cap runs, and each result carries its cost', async () => {
		const items = [audioItem(threeSeconds(), 'a.wav', 'audio/wav'), audioItem(fortySeconds(), 'b.wav', 'audio/wav')];
		const run = await ctx.run(avatarWorkflow(items, binaryAudioGenerate({ advancedOptions: { maxCostUsd: 4.4, downloadVideo: false } })));
		expect(run.status).toBe('success');
		expect(outputOf(run, AVATAR_NODE).map((item) => item.json.cost)).toEqual([
			{ seconds: 3, usd: 0.4, basis: 'audio', estimate: true },
			{ seconds: 40, usd: 4, basis: 'audio', estimate: true },
		]);
		expect(ctx.fal.submits()).toBe(2);
	});

	test('a cap that is not a number is a clear error, before anything is spent', async () => {
		const run = await ctx.run(avatarWorkflow([audioItem(threeSeconds(), 'a.wav', 'audio/wav')], binaryAudioGenerate({ advancedOptions: { maxCostUsd: 'lots' } })));
		expect(run.status).toBe('error');
		expect(errorOf(run, AVATAR_NODE)?.message).toBe('Item 0: Max Estimated Cost (USD) is not a number (got "lots")');
		expect(ctx.fal.log).toEqual([]);
	});
});

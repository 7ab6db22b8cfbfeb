/**
 * The node as an AI Agent's tool, driven through n8n-core's own tool wrapper (getInputConnectionData →
 * createNodeAsTool → makeHandleToolInvocation) by an agent stand-in: what the model is offered on the
 * tool's defaults, what it gets back, the audio-length and budget refusals, and Retry On Fail, where
 * every try of a call gets a new run index. Counted on the fal emulator.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { IDataObject } from 'n8n-workflow';

import { TOOL_DESCRIPTION } from '../../../nodes/StableAvatar/descriptions/toolMode';
import { outputOf } from '../../harness/engine';
import { useFalEmulator } from '../../harness/fal';
import { hostFile, silentWav } from '../../harness/hostedFiles';
import { AGENT_NODE, AVATAR_NODE, IMAGE_URL, agentWorkflow } from '../../harness/workflows';

const ctx = useFalEmulator();
const dir = mkdtempSync(join(tmpdir(), 'avatar-tool-'));

async function hostedWav(seconds: number): Promise<string> {
	const path = join(dir, `speech-${seconds}s.wav`);
	writeFileSync(path, silentWav(seconds));
	return await hostFile(ctx.fal, path, 'audio/wav');
}

const answers = async (calls: IDataObject[], parameters: IDataObject = {}, settings = {}) => {
	const run = await ctx.run(agentWorkflow(calls, parameters, settings));
	expect(run.status).toBe('success');
	return outputOf(run, AGENT_NODE).map((item) => item.json as { arguments: string[]; description: string; answer?: IDataObject; error?: string });
};
/** A refused call is answered, not failed: the model reads why as the tool's result. */
const refusalOf = (call: { answer?: IDataObject; error?: string }) => {
	expect(call.error).toBeUndefined();
	return String((call.answer as unknown as IDataObject[] | undefined)?.[0]?.error);
};
const cdnReads = () => ctx.fal.log.filter((entry) => entry.route === 'cdn');

test('on its defaults the model passes two URLs and gets the video URL, request ID and cost, and nothing is downloaded', async () => {
	const audioUrl = await hostedWav(40);
	const [call] = await answers([{ image_url: IMAGE_URL, audio_url: audioUrl }]);

	expect(call.arguments.sort()).toEqual(['audio_url', 'image_url']);
	expect(call.description).toBe(TOOL_DESCRIPTION);
	expect(call.error).toBeUndefined();
	const [job] = [...ctx.fal.jobs.values()];
	expect(job.input).toMatchObject({ image_url: IMAGE_URL, audio_url: audioUrl });
	const [answer] = call.answer as unknown as IDataObject[];
	expect(answer).toMatchObject({ requestId: job.requestId, video: { url: expect.stringContaining(ctx.fal.url) }, cost: { usd: 4, basis: 'audio' } });
	// The audio was read by one range request; the video never.
	expect(cdnReads().every((entry) => !String(entry.path).includes(job.requestId))).toBe(true);
	expect(cdnReads().filter((entry) => String(entry.path).endsWith('.mp4'))).toHaveLength(0);
});

test('audio over five minutes is refused before anything is submitted, in words a model can act on', async () => {
	const audioUrl = await hostedWav(360);
	const [call] = await answers([{ image_url: IMAGE_URL, audio_url: audioUrl }]);

	expect(ctx.fal.submits()).toBe(0);
	expect(refusalOf(call)).toMatch(/^Audio URL is 6:00 long .*five minutes of speech/s);
	expect(refusalOf(call)).not.toMatch(/Item \d/);
});

test('audio whose length cannot be read is refused in tool mode: its cost would be unknown', async () => {
	const path = join(dir, 'not-really.mp3');
	writeFileSync(path, Buffer.alloc(4096, 0x20));
	const audioUrl = await hostFile(ctx.fal, path, 'audio/mpeg');
	const [call] = await answers([{ image_url: IMAGE_URL, audio_url: audioUrl }]);

	expect(ctx.fal.submits()).toBe(0);
	expect(refusalOf(call)).toContain('could not be read');
	expect(refusalOf(call)).toContain('nothing was submitted');
});

test('the budget per execution refuses the call that would go over it, saying what was spent and what it would cost', async () => {
	const audioUrl = await hostedWav(40); // $4.00 each; the default budget is $10
	const calls = await answers([1, 2, 3].map(() => ({ image_url: IMAGE_URL, audio_url: audioUrl })));

	expect(ctx.fal.submits()).toBe(2);
	expect(calls[0].answer).toBeDefined();
	expect(calls[1].answer).toBeDefined();
	expect(refusalOf(calls[2])).toContain('would cost about $4.00');
	expect(refusalOf(calls[2])).toContain('already spent about $8.00 of its $10.00 budget');
	expect(refusalOf(calls[2])).toContain('nothing was submitted');
});

test('the budget is per execution: the next run of the workflow starts at $0', async () => {
	const audioUrl = await hostedWav(40);
	const twoCalls = [1, 2].map(() => ({ image_url: IMAGE_URL, audio_url: audioUrl }));
	for (const run of [1, 2]) {
		const calls = await answers(twoCalls);
		expect(calls.map((call) => call.error)).toEqual([undefined, undefined]);
		expect(ctx.fal.submits()).toBe(2 * run);
	}
});

test('a call that fails before any job exists gives its share of the budget back', async () => {
	const audioUrl = await hostedWav(60); // $6.00
	ctx.fal.addFault({ route: 'submit', times: 1, fault: { kind: 'status', status: 422, body: { detail: [{ loc: ['body', 'prompt'], msg: 'Emulated refusal' }] } } });
	const calls = await answers([1, 2].map(() => ({ image_url: IMAGE_URL, audio_url: audioUrl })));

	expect(calls[0].error).toContain('Emulated refusal');
	expect(calls[1].answer).toBeDefined();
	expect(ctx.fal.submits()).toBe(1);
});

test('Retry On Fail in the tool path: each try has a new run index, and the job is still submitted once', async () => {
	const audioUrl = await hostedWav(10);
	const run = await ctx.run(
		agentWorkflow([{ image_url: IMAGE_URL, audio_url: audioUrl }], { prompt: 'A person speaks. [emulator:500 runner_server_error]' }, {
			retryOnFail: true,
			maxTries: 3,
			waitBetweenTries: 0,
		}),
	);

	// n8n-core ran the tool three times, under run indexes 0, 1, 2…
	expect(run.data.resultData.runData[AVATAR_NODE]).toHaveLength(3);
	// …and only the first try reached fal: the others got its outcome back.
	expect(ctx.fal.submits()).toBe(1);
	const [job] = [...ctx.fal.jobs.values()];
	const [call] = outputOf(run, AGENT_NODE);
	expect(call.json.error).toContain('runner_server_error');
	expect(call.json.error).toContain(job.requestId);
	expect(call.json.error).not.toMatch(/Item \d/);
});

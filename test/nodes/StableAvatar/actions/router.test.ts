/** On default settings every item of a batch is in flight at once; outputs still come in input order, paired. */
import { outputOf } from '../../../harness/engine';
import { useFalEmulator } from '../../../harness/fal';
import { AVATAR_NODE, avatarWorkflow, urlInputs } from '../../../harness/workflows';

const ctx = useFalEmulator();

test('40 items on default settings: all in flight at once, outputs in input order with pairedItem', async () => {
	const count = 40;
	// Later items finish first: their jobs are shorter.
	const items = Array.from({ length: count }, (_, n) => ({ json: { n, runMs: 1_500 + (count - n) * 15 } }));
	const run = await ctx.run(avatarWorkflow(items, urlInputs({ prompt: '={{ "item " + $json.n + " [emulator:run=" + $json.runMs + "]" }}' })));

	expect(run.status).toBe('success');
	const output = outputOf(run, AVATAR_NODE);
	expect(output.map((item) => item.pairedItem)).toEqual(items.map((_, n) => ({ item: n })));
	const promptOf = new Map([...ctx.fal.jobs.values()].map((job) => [job.requestId, String(job.input.prompt)]));
	output.forEach((item, n) => expect(promptOf.get(String(item.json.requestId))).toMatch(new RegExp(`^item ${n} `)));
	// Every job had started before the first one finished: none was held back on the node's side.
	const jobs = [...ctx.fal.jobs.values()];
	const firstDone = Math.min(...jobs.map((job) => job.completedAt ?? Infinity));
	expect(jobs.every((job) => (job.startedAt ?? Infinity) <= firstDone)).toBe(true);
	expect(ctx.fal.submits()).toBe(count);
});

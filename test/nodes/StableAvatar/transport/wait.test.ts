/** Waiting follows the status stream, and falls back to polling when the stream lets it down. */
import { outputOf } from '../../../harness/engine';
import { useFalEmulator } from '../../../harness/fal';
import { AVATAR_NODE, avatarWorkflow, urlInputs } from '../../../harness/workflows';

const ctx = useFalEmulator({ runMs: 1_500 });

const routes = () => ctx.fal.log.map((entry) => entry.route);

test('a healthy stream notices completion with a single status request', async () => {
	const run = await ctx.run(avatarWorkflow([{}], urlInputs()));
	expect(run.status).toBe('success');
	expect(routes().filter((route) => route === 'stream' || route === 'status')).toEqual(['stream']);
});

test('a stream that ends without COMPLETED hands over to polling, and the job still finishes', async () => {
	ctx.fal.addFault({ route: 'stream', fault: { kind: 'end-early' } });
	const run = await ctx.run(avatarWorkflow([{}], urlInputs()));
	expect(run.status).toBe('success');
	expect(routes()).toContain('status');
	expect(outputOf(run, AVATAR_NODE)[0].binary?.data).toBeDefined();
});

test('a stream that fails outright hands over to polling', async () => {
	ctx.fal.addFault({ route: 'stream', fault: { kind: 'status', status: 503 } });
	const run = await ctx.run(avatarWorkflow([{}], urlInputs()));
	expect(run.status).toBe('success');
	expect(routes()).toContain('status');
});

test('a stream that stalls silently is caught by the safety poll', async () => {
	ctx.fal.addFault({ route: 'stream', fault: { kind: 'stall' } });
	const run = await ctx.run(avatarWorkflow([{}], urlInputs()));
	expect(run.status).toBe('success');
	expect(routes().filter((route) => route === 'status').length).toBeGreaterThanOrEqual(1);
}, 20_000);

test('an unknown status is treated as still running until the job completes', async () => {
	const run = await ctx.run(avatarWorkflow([{}], urlInputs({ prompt: 'talk [emulator:status=PAUSED]' })));
	expect(run.status).toBe('success');
});

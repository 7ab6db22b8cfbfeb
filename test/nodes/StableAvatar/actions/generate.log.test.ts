/** Generate writes each request id to n8n's log at info level right after the submit, before it waits. */
import { createRequire } from 'node:module';

import { Container } from '../../../harness/container';
import { outputOf } from '../../../harness/engine';
import { useFalEmulator } from '../../../harness/fal';
import { AVATAR_NODE, avatarWorkflow, urlInputs } from '../../../harness/workflows';

const ctx = useFalEmulator({ runMs: 100 });

test('logs endpoint, request id and item index of every submitted job', async () => {
	const { Logger } = createRequire(require.resolve('n8n-core'))('@n8n/backend-common') as { Logger: new () => { info: (...args: unknown[]) => void } };
	const info = jest.spyOn(Container.get(Logger), 'info');
	try {
		const run = await ctx.run(avatarWorkflow([{}, {}], urlInputs()));
		const ids = outputOf(run, AVATAR_NODE).map((item) => item.json.requestId);
		const submitted = info.mock.calls.filter(([message]) => String(message).startsWith('Stable Avatar submitted fal job'));
		expect(submitted.map(([, meta]) => meta)).toEqual(
			expect.arrayContaining(ids.map((requestId, itemIndex) => ({ requestId, endpoint: 'fal-ai/stable-avatar', itemIndex }))),
		);
		expect(submitted).toHaveLength(2);
	} finally {
		info.mockRestore();
	}
});

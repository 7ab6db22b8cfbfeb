/**
 * The workflow's own execution timeout ("Timeout Workflow", `executionTimeout`) would abort the run,
 * and the job with it, whatever On Timeout says. The node's wait ends before it, so On Timeout is
 * honoured and the output naming the job is kept. The harness stops the run at executionTimeout as
 * n8n's workflow runner does.
 */
import type { IDataObject } from 'n8n-workflow';

import { errorOf, outputOf } from '../../../harness/engine';
import { useFalEmulator } from '../../../harness/fal';
import { AVATAR_NODE, avatarWorkflow, urlInputs } from '../../../harness/workflows';

const ctx = useFalEmulator();

const cancels = () => ctx.fal.log.filter((entry) => entry.route === 'cancel');
const onlyJob = () => [...ctx.fal.jobs.values()][0];
const withExecutionTimeout = (advancedOptions: IDataObject) => ({
	...avatarWorkflow([{}], urlInputs({ prompt: 'a long one [emulator:never]', advancedOptions })),
	settings: { executionTimeout: 4 },
});

test('On Timeout = Return the Request ID: the job is left running and its request id comes out before n8n ends the run', async () => {
	const run = await ctx.run(withExecutionTimeout({ onTimeout: 'returnRequestId' }));
	expect(run.status).toBe('success');
	expect(outputOf(run, AVATAR_NODE)[0].json).toMatchObject({ requestId: onlyJob().requestId, status: 'TIMED_OUT' });
	expect(cancels()).toEqual([]);
	expect(onlyJob().cancelled).toBe(false);
});

test('On Timeout = Cancel: the job is cancelled and the error names it and the workflow setting', async () => {
	const run = await ctx.run(withExecutionTimeout({}));
	const error = errorOf(run, AVATAR_NODE);
	expect(error?.message).toBe(`The fal job ${onlyJob().requestId} had not finished when the workflow's execution timeout was near (last status: IN_PROGRESS)`);
	expect(error?.description).toContain('"Timeout Workflow"');
	expect(cancels().map((entry) => entry.status)).toEqual([202]);
});

test('with too little time left, nothing is submitted', async () => {
	const run = await ctx.run({ ...avatarWorkflow([{}], urlInputs()), settings: { executionTimeout: 1 } });
	expect(errorOf(run, AVATAR_NODE)?.message).toBe("The workflow's execution timeout leaves no time for a job");
	expect(ctx.fal.log.filter((entry) => entry.route === 'submit')).toEqual([]);
});

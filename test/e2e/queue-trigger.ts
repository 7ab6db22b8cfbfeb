/**
 * The trigger in queue mode: the main process takes fal's deliveries, two workers run the
 * executions; 10 jobs → 10 executions spread over both workers, none lost, none twice; and a
 * restart of the main process and both workers while jobs render.
 */
import type { QueueSetup } from './queue-setup';
import type { Stage } from './stage';
import { batchScenario, restartScenario } from './trigger-scenarios';
import { runTriggerSecurity } from './trigger-security';
import { RESTART_RUN_MS, type BatchPlan } from './trigger-site';

const MODE = 'queue';

export const QUEUE_PLANS = {
	ten: { key: 'ten', idPrefix: 'queue-batch', count: 10 },
	restart: { key: 'restart', idPrefix: 'queue-restart', count: 4, prompt: `A person speaks calmly. [emulator:run=${RESTART_RUN_MS}]` },
} satisfies Record<string, BatchPlan>;

export async function runQueueTrigger(stage: Stage, setup: QueueSetup): Promise<void> {
	const { site, batches } = setup.trigger;
	await stage.report.scenario(MODE, 'batch-submit.json → on-video-finished.json (10 jobs, 2 workers)', async () => {
		return (await batchScenario(stage, site, batches[QUEUE_PLANS.ten.key])).result;
	});
	await stage.report.scenario(MODE, `main + 2 workers stopped (SIGTERM) while ${QUEUE_PLANS.restart.count} jobs render`, async () => {
		return await restartScenario(stage, site, batches[QUEUE_PLANS.restart.key]);
	});
	await runTriggerSecurity(stage, site, MODE);
}

/**
 * The queue-mode installation: PostgreSQL, Redis, an n8n main process and two workers, each n8n with
 * its own user folder and its own install of the package (as on separate machines), sharing the
 * database, the queue and the encryption key. The webhook example and on-video-finished.json are
 * imported and published; the submit-wait example (and a variant whose job fails) and the
 * batch-submit.json variants are imported, to be run from the REST API as the editor runs them.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { check } from './checks';
import { flattedParser, n8nEnv, N8nCli, N8nRest, ownerEnv, startMain, startWorker, type Owner } from './n8n';
import { installIntoUserFolder } from './package';
import { freePort, waitFor, type ManagedProcess } from './processes';
import { ensureDebianPackages, startPostgres, startRedis, type Postgres } from './services';
import type { Stage } from './stage';
import type { ImportedBatch } from './trigger-scenarios';
import { batchWorkflow, triggerUrlOf, triggerWorkflow, waitForTrigger, type BatchPlan, type TriggerSite } from './trigger-site';
import { asVariant, EXAMPLES, falCredential, loadExample, SUBMIT_WAIT_FAILING_PROMPT, webhookCredential, withSettings } from './workflows';

const MINUTE = 60_000;
/** n8n warns below 5. Both jobs of the batch run inside one execution, so one slot would do. */
const WORKER_CONCURRENCY = 5;
const WORKERS = ['worker 1', 'worker 2'];
const OWNER: Owner = { email: 'owner@example.com', password: 'stable-avatar-e2e' };
/** n8n's graceful shutdown waits up to 30 s for running executions; give it that and a margin before SIGKILL. */
const SHUTDOWN_MS = 45_000;

export interface QueueSetup {
	postgres: Postgres;
	main: ManagedProcess;
	/** Replaced when n8n restarts; a restarted process appends to the same log file. */
	workers: ManagedProcess[];
	/** Where n8n answers: editor, REST API, webhooks and the waiting executions' resume URLs. */
	baseUrl: string;
	webhookUrl: string;
	workflowId: string;
	/** The submit-wait example and a variant whose job fails on fal, imported next to the webhook example. */
	submitWait: { id: string; failingId: string };
	outputDir: string;
	/** The REST API, logged in as the owner (again after a restart). */
	rest: N8nRest;
	/** The trigger's side, for the trigger scenarios; its batches are the plans handed in. */
	trigger: { site: TriggerSite; batches: Record<string, ImportedBatch> };
	/** Everything the workers logged so far. */
	workersOutput(): string;
}

export async function setUpQueueMode(stage: Stage, plans: BatchPlan[]): Promise<QueueSetup> {
	const { group, toolchain, log } = stage;
	const dir = join(stage.runDir, 'queue');
	const outputDir = join(dir, 'videos');
	mkdirSync(outputDir, { recursive: true });

	await ensureDebianPackages(group, log);
	const postgres = await startPostgres(group, dir);
	const redis = await startRedis(group, dir);
	log(`  postgres on 127.0.0.1:${postgres.port}, redis on 127.0.0.1:${redis.port}`);
	const port = await freePort();
	const baseUrl = `http://127.0.0.1:${port}`;
	const queueEnv = {
		EXECUTIONS_MODE: 'queue',
		QUEUE_BULL_REDIS_HOST: '127.0.0.1',
		QUEUE_BULL_REDIS_PORT: String(redis.port),
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: '127.0.0.1',
		DB_POSTGRESDB_PORT: String(postgres.port),
		DB_POSTGRESDB_DATABASE: postgres.database,
		DB_POSTGRESDB_USER: postgres.user,
		DB_POSTGRESDB_PASSWORD: '',
		// Queue mode's default, stated so that the binary-storage check in queue-mode.ts means something.
		N8N_DEFAULT_BINARY_DATA_MODE: 'database',
		// n8n's recommended queue setup (the main-process default is deprecated); webhook runs go to workers anyway.
		OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true',
		// The address fal calls back. Needed on the worker too: the Submit node runs there and computes
		// `$execution.resumeUrl` from it (without it, the worker would hand fal its own default port).
		WEBHOOK_URL: `${baseUrl}/`,
	};

	const mainFolder = join(dir, 'main');
	const workerFolders = WORKERS.map((_, index) => join(dir, `worker-${index + 1}`));
	for (const folder of [mainFolder, ...workerFolders]) await installIntoUserFolder(group, toolchain, stage.tarball, folder);
	const mainEnv = n8nEnv(toolchain, {
		userFolder: mainFolder,
		fileAccessDirs: [outputDir],
		brokerPort: await freePort(),
		port,
		extra: { ...queueEnv, ...ownerEnv(toolchain, OWNER) },
	});
	const workerEnvs: NodeJS.ProcessEnv[] = [];
	for (const userFolder of workerFolders) {
		workerEnvs.push(n8nEnv(toolchain, { userFolder, fileAccessDirs: [outputDir], brokerPort: await freePort(), extra: queueEnv }));
	}

	const workflow = withSettings(loadExample(EXAMPLES.webhook), { outputFolder: outputDir });
	const submitWait = withSettings(loadExample(EXAMPLES.submitWait), { outputFolder: outputDir });
	const submitWaitFailing = asVariant(
		withSettings(loadExample(EXAMPLES.submitWait), { prompt: SUBMIT_WAIT_FAILING_PROMPT, outputFolder: outputDir }),
		'Fails',
		'job fails on fal',
	);
	const triggerOutputDir = join(outputDir, 'trigger');
	mkdirSync(triggerOutputDir, { recursive: true });
	const trigger = triggerWorkflow(triggerOutputDir);
	const triggerUrl = triggerUrlOf(trigger, baseUrl);
	const batches = plans.map((plan) => ({ plan, workflow: batchWorkflow(plan, triggerUrl) }));
	const cli = new N8nCli(group, toolchain, mainEnv, dir);
	await cli.importCredentials([falCredential(stage.emulator.url), webhookCredential()]);
	await cli.importWorkflows([workflow, submitWait, submitWaitFailing, trigger, ...batches.map((batch) => batch.workflow)]);
	await cli.publishWorkflow(workflow.id as string);
	await cli.publishWorkflow(trigger.id as string);

	const webhookUrl = `${baseUrl}/webhook/stable-avatar`;
	const workerLogs = WORKERS.map((_, index) => join(dir, `n8n-worker-${index + 1}.log`));
	const startAll = async () => {
		const [main, ...workers] = await Promise.all([
			startMain(group, toolchain, mainEnv, join(dir, 'n8n-main.log')),
			...workerEnvs.map((env, index) => startWorker(group, toolchain, env, workerLogs[index], WORKER_CONCURRENCY)),
		]);
		await waitForWebhook(webhookUrl);
		await waitForTrigger(triggerUrl);
		return { main, workers, rest: await N8nRest.login(baseUrl, OWNER) };
	};
	const setup: QueueSetup = {
		postgres,
		...(await startAll()),
		baseUrl,
		webhookUrl,
		workflowId: workflow.id as string,
		submitWait: { id: submitWait.id as string, failingId: submitWaitFailing.id as string },
		outputDir,
		trigger: {
			site: {
				mode: 'queue',
				triggerUrl,
				outputDir: triggerOutputDir,
				binaryMode: 'database',
				triggerWorkflowId: trigger.id as string,
				rest: () => setup.rest,
				parseFlatted: flattedParser(toolchain),
				// SIGTERM to the main process and both workers at once, as a deploy stops them.
				stop: async () => {
					await Promise.all([setup.main, ...setup.workers].map((process) => process.stop(SHUTDOWN_MS)));
				},
				start: async () => {
					Object.assign(setup, await startAll());
				},
				workerOf: (executionId) => {
					const started = new RegExp(`Worker started execution ${executionId} `);
					return WORKERS.find((_, index) => started.test(setup.workers[index].output()));
				},
			},
			batches: Object.fromEntries(batches.map(({ plan, workflow: batch }) => [plan.key, { plan, workflowId: batch.id as string }])),
		},
		workersOutput: () => setup.workers.map((worker) => worker.output()).join('\n'),
	};
	log(`  n8n main on ${baseUrl} (webhook live, refuses calls without the key; the trigger listens on ${triggerUrl}; REST API logged in), ${WORKERS.length} workers`);
	return setup;
}

/**
 * n8n answers /healthz before it has registered the webhooks of published workflows (that happens in
 * the background). A call without the Header Auth key tells the two apart without starting a job:
 * 404 while unregistered, 403 once live.
 */
async function waitForWebhook(url: string): Promise<void> {
	let status = 0;
	await waitFor(`the webhook ${url} to be registered`, MINUTE, async () => {
		const response = await fetch(url, { method: 'POST', signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
		await response?.body?.cancel();
		status = response?.status ?? 0;
		return status !== 404 && status !== 0;
	}, 500);
	check(status === 403, `The webhook answered ${status} to a call without its key, expected 403`);
}

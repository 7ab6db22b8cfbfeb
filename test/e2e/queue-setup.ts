/**
 * The queue-mode installation: PostgreSQL, Redis, an n8n main process and one worker, each n8n with
 * its own user folder and its own install of the package (as on separate machines), sharing the
 * database, the queue and the encryption key. The webhook example is imported and published; the
 * submit-wait example (and a variant whose job fails) is imported, to be run from the REST API as the
 * editor runs it.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { check } from './checks';
import { n8nEnv, N8nCli, N8nRest, ownerEnv, startMain, startWorker, type Owner } from './n8n';
import { installIntoUserFolder } from './package';
import { freePort, waitFor, type ManagedProcess } from './processes';
import { ensureDebianPackages, startPostgres, startRedis, type Postgres } from './services';
import type { Stage } from './stage';
import { asVariant, EXAMPLES, falCredential, loadExample, SUBMIT_WAIT_FAILING_PROMPT, webhookCredential, withSettings } from './workflows';

const MINUTE = 60_000;
/** n8n warns below 5. Both jobs of the batch run inside one execution, so one slot would do. */
const WORKER_CONCURRENCY = 5;
const OWNER: Owner = { email: 'owner@example.com', password: 'stable-avatar-e2e' };

export interface QueueSetup {
	postgres: Postgres;
	main: ManagedProcess;
	worker: ManagedProcess;
	/** Where n8n answers: editor, REST API, webhooks and the waiting executions' resume URLs. */
	baseUrl: string;
	webhookUrl: string;
	workflowId: string;
	/** The submit-wait example and a variant whose job fails on fal, imported next to the webhook example. */
	submitWait: { id: string; failingId: string };
	outputDir: string;
	/** The REST API, logged in as the owner. */
	rest: N8nRest;
}

export async function setUpQueueMode(stage: Stage): Promise<QueueSetup> {
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
	const workerFolder = join(dir, 'worker');
	await installIntoUserFolder(group, toolchain, stage.tarball, mainFolder);
	await installIntoUserFolder(group, toolchain, stage.tarball, workerFolder);
	const mainEnv = n8nEnv(toolchain, {
		userFolder: mainFolder,
		fileAccessDirs: [outputDir],
		brokerPort: await freePort(),
		port,
		extra: { ...queueEnv, ...ownerEnv(toolchain, OWNER) },
	});
	const workerEnv = n8nEnv(toolchain, { userFolder: workerFolder, fileAccessDirs: [outputDir], brokerPort: await freePort(), extra: queueEnv });

	const workflow = withSettings(loadExample(EXAMPLES.webhook), { outputFolder: outputDir });
	const submitWait = withSettings(loadExample(EXAMPLES.submitWait), { outputFolder: outputDir });
	const submitWaitFailing = asVariant(
		withSettings(loadExample(EXAMPLES.submitWait), { prompt: SUBMIT_WAIT_FAILING_PROMPT, outputFolder: outputDir }),
		'Fails',
		'job fails on fal',
	);
	const cli = new N8nCli(group, toolchain, mainEnv, dir);
	await cli.importCredentials([falCredential(stage.emulator.url), webhookCredential()]);
	await cli.importWorkflows([workflow, submitWait, submitWaitFailing]);
	await cli.publishWorkflow(workflow.id as string);

	const [main, worker] = await Promise.all([
		startMain(group, toolchain, mainEnv, join(dir, 'n8n-main.log')),
		startWorker(group, toolchain, workerEnv, join(dir, 'n8n-worker.log'), WORKER_CONCURRENCY),
	]);
	const webhookUrl = `${baseUrl}/webhook/stable-avatar`;
	await waitForWebhook(webhookUrl);
	const rest = await N8nRest.login(baseUrl, OWNER);
	log(`  n8n main on ${baseUrl} (webhook live, refuses calls without the key; REST API logged in), one worker`);
	return {
		postgres,
		main,
		worker,
		baseUrl,
		webhookUrl,
		workflowId: workflow.id as string,
		submitWait: { id: submitWait.id as string, failingId: submitWaitFailing.id as string },
		outputDir,
		rest,
	};
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

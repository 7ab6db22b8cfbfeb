/**
 * Scheduled batches (`--schedule-only`): examples/scheduled-batch.json published in a real n8n, its
 * Schedule Trigger firing every few seconds while fal's jobs render for much longer, in regular mode
 * and in queue mode (main + two workers). Next to it, the same workflow with Generate in place of
 * Submit, whose executions run as long as the renders and so overlap. fal refuses one submit (a 422);
 * the row it hits must be submitted again on a later tick. Passes when every row of both workflows
 * has exactly one job over at least six overlapping executions, and the trigger saved each row's video.
 *
 * The run changes the example only where a user would (Settings, Done folder, the trigger's webhook id
 * n8n assigns when the node is added), plus: the schedule every 3 s instead of 5 min, and the row's id
 * appended to the prompt, so the emulator can count jobs per row.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { IDataObject, IWorkflowBase } from 'n8n-workflow';

import { check } from './checks';
import { n8nEnv, N8nCli, N8nRest, ownerEnv, ownerReady, startMain, startWorker, type Owner } from './n8n';
import { installIntoUserFolder } from './package';
import { freePort, waitFor, type ManagedProcess } from './processes';
import { ensureDebianPackages, startPostgres, startRedis } from './services';
import type { Stage } from './stage';
import { waitForTrigger } from './trigger-site';
import { falCredential, loadExample } from './workflows';

const MINUTE = 60_000;
const EXAMPLE = 'scheduled-batch.json';
const SCHEDULE_NODE = 'Every 5 minutes';
const SUBMIT_NODE = 'Submit to fal';
const TRIGGER_NODE = 'Stable Avatar Trigger';
const TICK_SECONDS = 3;
/** Each job renders this long: six ticks and more fire while the first tick's jobs render. */
const RENDER_MS = 30_000;
const ROWS = 3;
/** Executions that must have started while another (Generate) or a job (Submit) was still running. */
const MIN_OVERLAPPED = 6;
/** n8n 1.x's owner setup asks for a digit and a capital letter. */
const OWNER: Owner = { email: 'owner@example.com', password: 'Stable-avatar-e2e-1' };
const SHUTDOWN_MS = 45_000;

interface Variant {
	label: string;
	workflow: IWorkflowBase;
	rows: string[];
}

interface Installation {
	rest: N8nRest;
	processes: ManagedProcess[];
}

export async function runScheduleScenarios(stage: Stage, modes: { regular: boolean; queue: boolean }): Promise<void> {
	if (modes.regular) await runMode(stage, 'regular');
	if (modes.queue) await runMode(stage, 'queue');
}

async function runMode(stage: Stage, mode: 'regular' | 'queue'): Promise<void> {
	const label = mode === 'regular' ? 'regular (n8n start)' : 'queue (main + 2 workers)';
	const dir = join(stage.runDir, `schedule-${mode}`);
	const outputDir = join(dir, 'videos');
	mkdirSync(outputDir, { recursive: true });
	let installation: Installation | undefined;
	let variants: Variant[] = [];
	let since = Date.now();
	try {
		const port = await freePort();
		const baseUrl = `http://127.0.0.1:${port}`;
		const submit = scheduledBatch(`${mode}-submit`, outputDir);
		const webhookId = submit.nodes.find((node) => node.name === TRIGGER_NODE)?.webhookId as string;
		const triggerUrl = `${baseUrl}/webhook/${webhookId}/stable-avatar`;
		setAssignments(submit, 'Settings', { webhookUrl: triggerUrl });
		variants = [
			{ label: 'Submit', workflow: submit, rows: rowIds(`${mode}-submit`) },
			{ label: 'Generate', workflow: generateVariant(`${mode}-generate`), rows: rowIds(`${mode}-generate`) },
		];
		// fal refuses the first submit it gets (whichever row that is); that row's key must be released.
		since = Date.now();
		await refuseNextSubmit(stage);
		installation = await install(stage, mode, dir, port, outputDir, variants.map((variant) => variant.workflow));
		await waitForTrigger(triggerUrl);
		stage.log(`  n8n (${label}) on ${baseUrl}; both scheduled workflows published, ticking every ${TICK_SECONDS} s`);
	} catch (error) {
		stage.report.setupFailed(`schedule: ${label}`, error);
		return;
	}

	const { rest } = installation;
	await stage.report.scenario(label, `${EXAMPLE}: every ${TICK_SECONDS} s, ${ROWS} rows, Once Per Key, renders of ${RENDER_MS / 1000} s`, async () => {
		const [submit, generate] = variants;
		// The window: at least MIN_OVERLAPPED + 2 ticks of each workflow after the first, all videos saved.
		await waitFor('the scheduled window (overlapping ticks, every row rendered and saved)', 4 * MINUTE, async () => {
			const [submitRuns, generateRuns] = await Promise.all(variants.map(async (variant) => await scheduledRuns(rest, variant)));
			const saved = submit.rows.every((row) => existsSync(join(outputDir, `${row}.mp4`)));
			// A second job for a row fails the scenario at once: it is what Once Per Key must prevent.
			for (const variant of variants) {
				const paidTwice = (await jobsByRow(stage, variant.rows)).findIndex((jobs) => jobs.length > 1);
				if (paidTwice !== -1) throw new Error(`${variant.label}: row ${variant.rows[paidTwice]} was submitted more than once`);
			}
			const generated = (await jobsByRow(stage, generate.rows)).every((jobs) => jobs.length === 1 && jobs[0].completedAt !== undefined);
			return saved && generated && submitRuns.length >= MIN_OVERLAPPED + 3 && generateRuns.length >= MIN_OVERLAPPED + 3;
		}, 1_000);

		const notes: string[] = [];
		const jobs = (await stage.emulator.jobs()).filter((job) => String(job.input.prompt).includes(`[row ${mode}-`));
		for (const variant of variants) {
			const perRow = await jobsByRow(stage, variant.rows);
			perRow.forEach((rowJobs, index) => check(rowJobs.length === 1, `${variant.label}: row ${variant.rows[index]} has ${rowJobs.length} jobs, expected 1`));
			const runs = await scheduledRuns(rest, variant);
			const overlapped =
				variant.label === 'Generate'
					? runs.filter((run) => runs.some((other) => other.id !== run.id && other.startedAt < run.startedAt && run.startedAt < (other.stoppedAt ?? Infinity))).length
					: runs.filter((run) => perRow.flat().some((job) => job.submittedAt < run.startedAt && run.startedAt < (job.completedAt ?? Infinity))).length;
			check(overlapped >= MIN_OVERLAPPED, `${variant.label}: only ${overlapped} executions overlapped, expected ${MIN_OVERLAPPED} or more`);
			notes.push(`${variant.label}: ${runs.length} executions, ${overlapped} ${variant.label === 'Generate' ? 'overlapping another' : 'while a job rendered'}, jobs per row ${perRow.map((rowJobs) => rowJobs.length).join('/')}`);
		}
		const refused = (await stage.emulator.requestLog()).filter((entry) => entry.time >= since && entry.route === 'submit' && entry.status === 422).length;
		check(refused === 1, `fal refused ${refused} submits, expected 1`);
		check(jobs.length === ROWS * variants.length, `${jobs.length} jobs on fal, expected ${ROWS * variants.length}`);
		notes.push(`1 submit refused (422), its row submitted on a later tick`);
		if (mode === 'queue') notes.push(`workers: ${workersThatRan(installation).join(', ')}`);
		return { status: 'success', note: notes.join('; ') };
	});

	await Promise.all(installation.processes.map(async (process) => await process.stop(SHUTDOWN_MS)));
}

/** The example as the run uses it: rows `<idPrefix>-1…`, renders of RENDER_MS, a tick every few seconds, a trigger webhook id. */
function scheduledBatch(idPrefix: string, outputDir: string): IWorkflowBase {
	const workflow = structuredClone(loadExample(EXAMPLE));
	// PostgreSQL holds workflow ids of up to 36 characters.
	workflow.id = `scheduled-${idPrefix}`;
	workflow.name = `${workflow.name} (${idPrefix})`;
	setAssignments(workflow, 'Settings', { rowCount: ROWS, idPrefix, prompt: `A person speaks calmly. [emulator:run=${RENDER_MS}]` });
	setAssignments(workflow, 'Done folder', { outputFolder: outputDir });
	const schedule = nodeNamed(workflow, SCHEDULE_NODE);
	schedule.parameters = { rule: { interval: [{ field: 'seconds', secondsInterval: TICK_SECONDS }] } };
	const submit = nodeNamed(workflow, SUBMIT_NODE);
	submit.parameters.prompt = `${String(submit.parameters.prompt)} [row {{ $json.id }}]`;
	// As n8n does when the node is added to a canvas: the example itself ships without one.
	nodeNamed(workflow, TRIGGER_NODE).webhookId = randomUUID();
	return workflow;
}

/** The same schedule and rows with Generate: each execution runs as long as its renders. */
function generateVariant(idPrefix: string): IWorkflowBase {
	const workflow = scheduledBatch(idPrefix, '/nonexistent');
	const keep = new Set(['Every 5 minutes', 'Settings', 'Rows to render', 'One item per row', SUBMIT_NODE]);
	workflow.nodes = workflow.nodes.filter((node) => keep.has(node.name));
	workflow.connections = Object.fromEntries(Object.entries(workflow.connections).filter(([name]) => keep.has(name)));
	const node = nodeNamed(workflow, SUBMIT_NODE);
	const { webhookUrl: _webhookUrl, reference: _reference, ...parameters } = node.parameters;
	node.parameters = { ...parameters, operation: 'generate', advancedOptions: { ...(parameters.advancedOptions as IDataObject), downloadVideo: false } };
	return workflow;
}

function rowIds(idPrefix: string): string[] {
	return Array.from({ length: ROWS }, (_, index) => `${idPrefix}-${index + 1}`);
}

function nodeNamed(workflow: IWorkflowBase, name: string) {
	const node = workflow.nodes.find((entry) => entry.name === name);
	if (!node) throw new Error(`${workflow.name}: no node "${name}"`);
	return node;
}

function setAssignments(workflow: IWorkflowBase, nodeName: string, values: Record<string, unknown>): void {
	const assignments = (nodeNamed(workflow, nodeName).parameters.assignments as { assignments: Array<{ name: string; value: unknown }> }).assignments;
	for (const [name, value] of Object.entries(values)) {
		const assignment = assignments.find((entry) => entry.name === name);
		if (!assignment) throw new Error(`${workflow.name}: ${nodeName} has no "${name}"`);
		assignment.value = value;
	}
}

async function refuseNextSubmit(stage: Stage): Promise<void> {
	const response = await fetch(`${stage.emulator.url}/__emulator/faults`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({
			route: 'submit',
			times: 1,
			fault: { kind: 'status', status: 422, body: { detail: [{ loc: ['body', 'image_url'], msg: 'Emulated refusal of the input', type: 'value_error' }] } },
		}),
	});
	if (!response.ok) throw new Error(`The emulator refused the fault rule: ${response.status}`);
}

/** The jobs of each row, found by the row id the run appends to the prompt. */
async function jobsByRow(stage: Stage, rows: string[]) {
	const jobs = await stage.emulator.jobs();
	return rows.map((row) => jobs.filter((job) => String(job.input.prompt).endsWith(`[row ${row}]`)));
}

interface ScheduledRun {
	id: string;
	startedAt: number;
	stoppedAt?: number;
}

/** The workflow's executions started by its Schedule Trigger (not the Stable Avatar Trigger's). */
async function scheduledRuns(rest: N8nRest, variant: Variant): Promise<ScheduledRun[]> {
	const executions = (await rest.executions(variant.workflow.id as string)) as unknown as Array<{ id: string; mode: string; startedAt?: string; stoppedAt?: string }>;
	return executions
		.filter((execution) => execution.mode === 'trigger' && execution.startedAt)
		.map((execution) => ({ id: execution.id, startedAt: Date.parse(execution.startedAt!), stoppedAt: execution.stoppedAt ? Date.parse(execution.stoppedAt) : undefined }));
}

function workersThatRan(installation: Installation): string[] {
	return installation.processes
		.slice(1)
		.map((worker, index) => `worker ${index + 1} ran ${(worker.output().match(/Worker started execution/g) ?? []).length}`);
}

async function install(stage: Stage, mode: 'regular' | 'queue', dir: string, port: number, outputDir: string, workflows: IWorkflowBase[]): Promise<Installation> {
	const { group, toolchain } = stage;
	const baseUrl = `http://127.0.0.1:${port}`;
	let shared: Record<string, string> = { WEBHOOK_URL: `${baseUrl}/` };
	if (mode === 'queue') {
		await ensureDebianPackages(group, stage.log);
		const postgres = await startPostgres(group, dir);
		const redis = await startRedis(group, dir);
		shared = {
			...shared,
			EXECUTIONS_MODE: 'queue',
			QUEUE_BULL_REDIS_HOST: '127.0.0.1',
			QUEUE_BULL_REDIS_PORT: String(redis.port),
			DB_TYPE: 'postgresdb',
			DB_POSTGRESDB_HOST: '127.0.0.1',
			DB_POSTGRESDB_PORT: String(postgres.port),
			DB_POSTGRESDB_DATABASE: postgres.database,
			DB_POSTGRESDB_USER: postgres.user,
			DB_POSTGRESDB_PASSWORD: '',
		};
	}
	const mainFolder = join(dir, 'main');
	await installIntoUserFolder(group, toolchain, stage.tarball, mainFolder);
	const mainEnv = n8nEnv(toolchain, { userFolder: mainFolder, fileAccessDirs: [outputDir], brokerPort: await freePort(), port, extra: { ...shared, ...ownerEnv(toolchain, OWNER) } });
	const cli = new N8nCli(group, toolchain, mainEnv, dir);
	await cli.importCredentials([falCredential(stage.emulator.url)]);
	await cli.importWorkflows(workflows);
	for (const workflow of workflows) await cli.publishWorkflow(workflow.id as string);

	const workerEnvs: NodeJS.ProcessEnv[] = [];
	for (const index of mode === 'queue' ? [1, 2] : []) {
		const userFolder = join(dir, `worker-${index}`);
		await installIntoUserFolder(group, toolchain, stage.tarball, userFolder);
		workerEnvs.push(n8nEnv(toolchain, { userFolder, fileAccessDirs: [outputDir], brokerPort: await freePort(), extra: shared }));
	}
	// Workers first: the schedule starts ticking as soon as the main process is up.
	const workers = await Promise.all(workerEnvs.map(async (env, index) => await startWorker(group, toolchain, env, join(dir, `n8n-worker-${index + 1}.log`), 5)));
	const processes = [await startMain(group, toolchain, mainEnv, join(dir, 'n8n-main.log')), ...workers];
	await ownerReady(toolchain, baseUrl, OWNER);
	return { rest: await N8nRest.login(baseUrl, OWNER, toolchain.n8nMajor), processes };
}


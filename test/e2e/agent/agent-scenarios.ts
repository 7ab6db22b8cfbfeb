/**
 * `npm run e2e -- --agent-only`: the Stable Avatar Tool under n8n's own AI Agent (3.1) with n8n's
 * OpenAI Chat Model (1.3, "Use Responses API" off, so it speaks Chat Completions) pointed at a
 * scripted model server on 127.0.0.1 (model-server.ts). The tool is attached on its defaults: no
 * parameter set. Run by `n8n execute` in regular mode. The model server records what the model was
 * told; the emulator what reached fal.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IWorkflowBase } from 'n8n-workflow';

import { check, errorText } from '../checks';
import { EXAMPLE_CREDENTIAL } from '../config';
import type { EmulatorClient } from '../emulator';
import { n8nEnv, N8nCli, type CredentialRecord } from '../n8n';
import { installIntoUserFolder } from '../package';
import { freePort } from '../processes';
import type { ScenarioResult } from '../report';
import type { RunRecord } from '../run-record';
import type { Stage } from '../stage';
import { falCredential } from '../workflows';
import { ScriptedModelServer } from './model-server';

const MODE = 'agent (AI Agent + tool)';
const MODEL_CREDENTIAL = { id: 'openAiScripted001', name: 'Scripted model (local)' } as const;

/** $0.10 a second: one call of 40 s costs $4.00; three of 45 s cost $4.50 each, $13.50 against the $10 default budget. */
const ONE_CALL_SECONDS = 40;
const BUDGET_CALL_SECONDS = 45;
const TOO_LONG_SECONDS = 360;
const RETRY_SECONDS = 20;
/** The emulator fails this job (HTTP 500, runner_server_error) after it was submitted. */
const FAILING_PROMPT = 'A person speaks. [emulator:500 runner_server_error]';

export async function runAgentScenarios(stage: Stage): Promise<void> {
	const { report, emulator, group, toolchain } = stage;
	const dir = join(stage.runDir, 'agent');
	const userFolder = join(dir, 'n8n');
	mkdirSync(userFolder, { recursive: true });
	const model = await ScriptedModelServer.start();
	const image = model.portraitUrl;
	const workflows = {
		one: agentWorkflow('agentOneCall0001', 'Agent: one video', [{ image_url: image, audio_url: model.wavUrl(ONE_CALL_SECONDS) }]),
		tooLong: agentWorkflow('agentTooLong0001', 'Agent: six-minute audio', [{ image_url: image, audio_url: model.wavUrl(TOO_LONG_SECONDS) }]),
		budget: agentWorkflow('agentBudget00001', 'Agent: three videos', [1, 2, 3].map(() => ({ image_url: image, audio_url: model.wavUrl(BUDGET_CALL_SECONDS) }))),
		retry: agentWorkflow('agentRetry000001', 'Agent: a job fails, Retry On Fail on', [{ image_url: image, audio_url: model.wavUrl(RETRY_SECONDS) }], {
			parameters: { prompt: FAILING_PROMPT },
			settings: { retryOnFail: true, maxTries: 3, waitBetweenTries: 0 },
		}),
	};
	let cli: N8nCli;
	try {
		await installIntoUserFolder(group, toolchain, stage.tarball, userFolder);
		cli = new N8nCli(group, toolchain, n8nEnv(toolchain, { userFolder, fileAccessDirs: [dir], brokerPort: await freePort() }), dir);
		await cli.importCredentials([falCredential(emulator.url), modelCredential(model.apiUrl)]);
		await cli.importWorkflows(Object.values(workflows));
	} catch (error) {
		await model.close();
		report.setupFailed(MODE, error);
		return;
	}

	/** Runs one workflow and returns what the model was told by the tool, with the fal traffic it caused. */
	const execute = async (workflow: IWorkflowBase) => {
		const requestsBefore = model.requests.length;
		const cdnBefore = await cdnReads(emulator);
		const jobsBefore = new Set((await emulator.jobs()).map((job) => job.requestId));
		const execution = await cli.execute(workflow.id as string);
		const run = execution.run;
		if (!run) throw new Error(`n8n execute printed no run (exit ${execution.exitCode}):\n${execution.output.slice(-3000)}`);
		check(run.status === 'success', `The agent's run ended "${run.status}": ${errorText(run)}`);
		const requests = model.requests.slice(requestsBefore);
		check(requests.length > 0, 'The AI Agent never asked the scripted model');
		const jobs = (await emulator.jobs()).filter((job) => !jobsBefore.has(job.requestId));
		const downloads = (await cdnReads(emulator)) - cdnBefore;
		check(downloads === 0, `${downloads} file(s) were read from fal's CDN: the tool must not download the video`);
		return { run, requests, toolResults: requests[requests.length - 1].toolResults, jobs, output: execution.output };
	};

	try {
		await report.scenario(MODE, 'one call with URL inputs (tool on its defaults)', async (): Promise<ScenarioResult> => {
			const { run, requests, toolResults, jobs } = await execute(workflows.one);
			const offered = requests[0].tools[0];
			check(offered, 'The model was offered no tool');
			const args = Object.keys(offered.parameters.properties ?? {}).sort();
			check(args.join() === 'audio_url,image_url', `The tool's arguments are ${args.join()}, expected audio_url and image_url`);
			check(offered.description.includes('$0.10 per second') && offered.description.includes('5 minutes'), `The tool description says too little: ${offered.description}`);
			check(Object.values(offered.parameters.properties ?? {}).every((p) => (p.description ?? '').length > 20), 'An argument has no description');
			check(toolResults.length === 1, `The model got ${toolResults.length} tool results, expected 1`);
			check(jobs.length === 1, `${jobs.length} jobs reached fal, expected 1`);
			const [job] = jobs;
			check(job.input.audio_url === model.wavUrl(ONE_CALL_SECONDS) && job.input.image_url === image, `The job's inputs are not the model's URLs: ${JSON.stringify(job.input)}`);
			const [answer] = JSON.parse(toolResults[0]) as Array<{ requestId?: string; video?: { url?: string }; cost?: { usd?: number } }>;
			check(answer?.requestId === job.requestId, `The tool result names request ${String(answer?.requestId)}, fal ran ${job.requestId}`);
			check(answer.video?.url?.startsWith(`${emulator.url}/`), `The tool result has no video URL: ${toolResults[0]}`);
			check(answer.cost?.usd === 4, `The tool result's cost is ${String(answer.cost?.usd)}, expected 4 ($0.10 × ${ONE_CALL_SECONDS} s)`);
			check(agentOutput(run).includes(job.requestId), "The agent's answer does not carry the tool result");
			return { status: run.status, note: `model got ${toolResults[0].length} bytes: requestId, video.url, cost $4.00; no download` };
		});

		await report.scenario(MODE, 'six-minute audio refused before submit', async (): Promise<ScenarioResult> => {
			const { run, toolResults, jobs } = await execute(workflows.tooLong);
			check(jobs.length === 0, `${jobs.length} job(s) reached fal for a six-minute audio`);
			check(toolResults.length === 1, `The model got ${toolResults.length} tool results, expected 1`);
			check(/5 minutes|five minutes/.test(toolResults[0]) && toolResults[0].includes('6:00'), `The refusal does not say why: ${toolResults[0]}`);
			check(!/Item \d+:/.test(toolResults[0]), `The refusal starts with an item number: ${toolResults[0]}`);
			return { status: run.status, note: 'model was told the audio is 6:00, over 5 minutes; 0 jobs' };
		});

		await report.scenario(MODE, 'budget per execution stops the third call', async (): Promise<ScenarioResult> => {
			const { run, toolResults, jobs } = await execute(workflows.budget);
			check(toolResults.length === 3, `The model got ${toolResults.length} tool results, expected 3`);
			check(jobs.length === 2, `${jobs.length} jobs reached fal, expected 2 (the third is over the $10 budget)`);
			for (const [index, result] of toolResults.slice(0, 2).entries()) {
				check(jobs.some((job) => result.includes(job.requestId)), `Call ${index + 1} did not return a video: ${result}`);
			}
			const refusal = toolResults[2];
			check(refusal.includes('would cost about $4.50') && refusal.includes('already spent about $9.00 of its $10.00 budget'), `The third call's refusal does not give the figures: ${refusal}`);
			return { status: run.status, note: 'calls 1-2 paid ($9.00), call 3 refused ($4.50 more)' };
		});

		await report.scenario(MODE, 'Retry On Fail: a failed job is not submitted again', async (): Promise<ScenarioResult> => {
			const { run, toolResults, jobs, output } = await execute(workflows.retry);
			// The AI Agent 3.1 runs a tool call as a node run of its own, and n8n's Retry On Fail tries it
			// again in the same run: tries 2 and 3 must log that they kept the existing job.
			const replays = output.split('Retry On Fail: this item keeps the outcome of its existing fal job').length - 1;
			const tries = 1 + replays;
			check(replays === 2, `${replays} tries kept the existing job, expected 2 (Max Tries 3)`);
			check(jobs.length === 1, `${jobs.length} jobs reached fal over ${tries} tries, expected 1`);
			check(toolResults.length === 1 && toolResults[0].includes(jobs[0].requestId) && toolResults[0].includes('runner_server_error'), `The model was not told the failed job: ${toolResults[0]}`);
			return { status: run.status, note: `${tries} tries, 1 job; the model got its error with the request ID` };
		});
	} finally {
		// What the model was told, for reading after a failed run (kept with -- --keep).
		writeFileSync(join(dir, 'model-requests.json'), JSON.stringify(model.requests, null, 2));
		await model.close();
	}
}

/** Manual Trigger → AI Agent, with the OpenAI Chat Model and the Stable Avatar Tool (no parameters: its defaults). */
function agentWorkflow(
	id: string,
	name: string,
	script: Array<Record<string, string>>,
	tool: { parameters?: Record<string, unknown>; settings?: Record<string, unknown> } = {},
): IWorkflowBase {
	const node = (nodeName: string, type: string, typeVersion: number, position: number, parameters: Record<string, unknown>, extra = {}) => ({
		id: `${id}-${position}`,
		name: nodeName,
		type,
		typeVersion,
		position: [position * 220, position % 2 === 0 ? 0 : 220],
		parameters,
		...extra,
	});
	return {
		id,
		name,
		active: false,
		settings: { executionOrder: 'v1' },
		nodes: [
			node('Start', 'n8n-nodes-base.manualTrigger', 1, 0, {}),
			node('AI Agent', '@n8n/n8n-nodes-langchain.agent', 3.1, 1, { promptType: 'define', text: `Make these videos, one tool call each: ${JSON.stringify(script)}`, options: {} }),
			node(
				'OpenAI Chat Model',
				'@n8n/n8n-nodes-langchain.lmChatOpenAi',
				1.3,
				2,
				{ model: { __rl: true, mode: 'id', value: 'scripted' }, responsesApiEnabled: false, options: {} },
				{ credentials: { openAiApi: MODEL_CREDENTIAL } },
			),
			node('Stable Avatar Tool', 'n8n-nodes-stable-avatar.stableAvatarTool', 1, 3, tool.parameters ?? {}, { credentials: { falApi: EXAMPLE_CREDENTIAL }, ...tool.settings }),
		],
		connections: {
			Start: { main: [[{ node: 'AI Agent', type: 'main', index: 0 }]] },
			'OpenAI Chat Model': { ai_languageModel: [[{ node: 'AI Agent', type: 'ai_languageModel', index: 0 }]] },
			'Stable Avatar Tool': { ai_tool: [[{ node: 'AI Agent', type: 'ai_tool', index: 0 }]] },
		},
	} as unknown as IWorkflowBase;
}

function modelCredential(apiUrl: string): CredentialRecord {
	return { ...MODEL_CREDENTIAL, type: 'openAiApi', data: { apiKey: 'sk-scripted-local', url: apiUrl } };
}

async function cdnReads(emulator: EmulatorClient): Promise<number> {
	return (await emulator.requestLog()).filter((entry) => entry.route === 'cdn').length;
}

function agentOutput(run: RunRecord): string {
	const runs = run.data.resultData.runData['AI Agent'] ?? [];
	return JSON.stringify(runs[runs.length - 1]?.data?.main[0]?.[0]?.json ?? {});
}

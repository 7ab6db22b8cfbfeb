/**
 * Runs a workflow through n8n's real execution engine (n8n-core's WorkflowExecute), the way n8n runs
 * it in production, minus the server: used by the engine tests, the demo and the benchmark.
 */
import './userFolder';
import './processedData';

import { Container } from './container';
import { BinaryDataService, ExecutionLifecycleHooks, WorkflowExecute } from 'n8n-core';
import {
	Workflow,
	type IConnections,
	type INode,
	type INodeExecutionData,
	type IRun,
	type IWorkflowBase,
	type IWorkflowExecuteAdditionalData,
	type IWorkflowSettings,
} from 'n8n-workflow';

import { TestCredentialsHelper, type FalCredentials } from './credentials';
import { nodeTypes } from './nodeTypes';

export interface WorkflowDefinition {
	nodes: INode[];
	connections: IConnections;
	/** Workflow settings; `executionTimeout` (seconds) is enforced as n8n's workflow runner does. */
	settings?: IWorkflowSettings;
	/** The saved workflow's id; by default each run is a workflow of its own. */
	id?: string;
}

export interface RunHandle {
	/** Resolves when the run ends, however it ends. */
	done: Promise<IRun>;
	/** Stops the run, as the Stop button in the editor does. */
	stop(): void;
}

let binaryStorageReady: Promise<void> | undefined;

/**
 * Stores binaries in the filesystem as n8n does by default in regular mode (otherwise they stay
 * inline as base64). Once on, it stays on for the process.
 */
export async function useFilesystemBinaryStorage(): Promise<void> {
	binaryStorageReady ??= (async () => {
		const service = Container.get(BinaryDataService);
		(service as unknown as { config: { mode: string } }).config.mode = 'filesystem';
		await service.init();
	})();
	await binaryStorageReady;
}

let executionCounter = 0;

export function startWorkflow(definition: WorkflowDefinition, credentials: FalCredentials): RunHandle {
	const executionId = String(++executionCounter);
	const workflowData: IWorkflowBase = {
		id: definition.id ?? `wf-${executionId}`,
		name: 'test',
		active: false,
		activeVersionId: null,
		isArchived: false,
		createdAt: new Date(),
		updatedAt: new Date(),
		nodes: definition.nodes,
		connections: definition.connections,
		settings: { executionOrder: 'v1', ...definition.settings },
	} as IWorkflowBase;
	const workflow = new Workflow({
		id: workflowData.id,
		name: workflowData.name,
		nodes: definition.nodes,
		connections: definition.connections,
		active: false,
		nodeTypes,
		settings: workflowData.settings,
	});
	const hooks = new ExecutionLifecycleHooks('manual', executionId, workflowData);
	const additionalData = {
		credentialsHelper: new TestCredentialsHelper(credentials),
		hooks,
		executionId,
		currentNodeExecutionIndex: 0,
		restApiUrl: 'http://127.0.0.1:5678/rest',
		instanceBaseUrl: 'http://127.0.0.1:5678',
		formBaseUrl: 'http://127.0.0.1:5678/form',
		formWaitingBaseUrl: 'http://127.0.0.1:5678/form-waiting',
		formTestBaseUrl: 'http://127.0.0.1:5678/form-test',
		webhookBaseUrl: 'http://127.0.0.1:5678/webhook',
		webhookWaitingBaseUrl: 'http://127.0.0.1:5678/webhook-waiting',
		webhookTestBaseUrl: 'http://127.0.0.1:5678/webhook-test',
		mcpBaseUrl: 'http://127.0.0.1:5678/mcp',
		mcpTestBaseUrl: 'http://127.0.0.1:5678/mcp-test',
		variables: {},
		userId: 'test-user',
		executeWorkflow: async () => {
			throw new Error('sub-workflows are not used here');
		},
		getRunExecutionData: async () => undefined,
		getRuntimeCredential: async () => undefined,
		logAiEvent: () => {},
		startRunnerTask: async () => {
			throw new Error('task runners are not used here');
		},
	} as unknown as IWorkflowExecuteAdditionalData;

	// As in n8n itself, the run is over when the workflowExecuteAfter hook fires: on a stop that is
	// at once, with status `canceled`, while nodes are still winding down.
	const finished = new Promise<IRun>((resolve) => hooks.addHandler('workflowExecuteAfter', (run) => resolve(run)));
	const startNode = definition.nodes.find((node) => !hasIncoming(definition.connections, node.name));
	// As n8n's workflow runner: a workflow's executionTimeout sets executionTimeoutTimestamp and stops
	// the run through its cancel signal when it runs out.
	const timeoutSeconds = workflowData.settings?.executionTimeout ?? -1;
	if (timeoutSeconds > 0) additionalData.executionTimeoutTimestamp = Date.now() + timeoutSeconds * 1000;
	const execution = new WorkflowExecute(additionalData, 'manual').run({ workflow, startNode });
	const timer = timeoutSeconds > 0 ? setTimeout(() => execution.cancel(), timeoutSeconds * 1000) : undefined;
	const done = Promise.race([finished, execution]);
	void done.finally(() => clearTimeout(timer));
	return {
		done,
		stop: () => execution.cancel(),
	};
}

export async function runWorkflow(definition: WorkflowDefinition, credentials: FalCredentials): Promise<IRun> {
	return await startWorkflow(definition, credentials).done;
}

function hasIncoming(connections: IConnections, nodeName: string): boolean {
	return Object.values(connections).some((byType) =>
		Object.values(byType).some((outputs) => outputs.some((targets) => targets?.some((target) => target.node === nodeName))),
	);
}

/** The items a node emitted on its first output in its last run. */
export function outputOf(run: IRun, nodeName: string): INodeExecutionData[] {
	const runs = run.data.resultData.runData[nodeName];
	if (!runs || runs.length === 0) throw new Error(`Node "${nodeName}" did not run`);
	return runs[runs.length - 1].data?.main?.[0] ?? [];
}

/** The error a node ended with, if any. */
export function errorOf(run: IRun, nodeName: string) {
	const runs = run.data.resultData.runData[nodeName];
	return runs?.[runs.length - 1]?.error ?? run.data.resultData.error;
}

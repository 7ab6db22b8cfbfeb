/** An n8n run as the checks read it, whether printed by `n8n execute` or loaded from the database. */
export interface RunRecord {
	status: string;
	data: {
		resultData: {
			runData: Record<string, NodeRun[]>;
			error?: { message?: string; description?: string };
		};
	};
}

export interface NodeRun {
	executionStatus?: string;
	data?: { main: Array<NodeItem[] | null> };
}

export interface NodeItem {
	json: Record<string, unknown>;
	binary?: Record<string, { id?: string; mimeType?: string; fileName?: string; bytes?: number; data?: string }>;
}

/** The items a node put on its first output in its last run. */
export function nodeOutput(run: RunRecord, nodeName: string): NodeItem[] {
	const runs = run.data.resultData.runData[nodeName];
	if (!runs?.length) throw new Error(`The node "${nodeName}" did not run`);
	return runs[runs.length - 1].data?.main[0] ?? [];
}

/** Small builders for test workflows: trigger → fixture items → Stable Avatar (→ more). */
import type { IConnections, IDataObject, INode } from 'n8n-workflow';

import type { WorkflowDefinition } from './engine';
import { encodeFixtureItems, type FixtureItem } from './itemsNode';

export const AVATAR_NODE = 'Stable Avatar';
export const AVATAR_NODE_TYPE = 'n8n-nodes-stable-avatar.stableAvatar';

let position = 0;
function node(name: string, type: string, parameters: IDataObject, extra: Partial<INode> = {}): INode {
	position += 200;
	return { id: name, name, type, typeVersion: 1, position: [position, 0], parameters, ...extra } as INode;
}

export function trigger(): INode {
	return node('Start', 'n8n-nodes-base.manualTrigger', {});
}

export function fixtureItems(items: FixtureItem[]): INode {
	return node('Input', 'test.fixtureItems', { items: encodeFixtureItems(items) });
}

export function avatarNode(parameters: IDataObject, settings: Partial<INode> = {}): INode {
	return node(AVATAR_NODE, AVATAR_NODE_TYPE, parameters, {
		credentials: { falApi: { id: '1', name: 'fal (emulator)' } },
		...settings,
	});
}

/** Nodes connected one after the other. */
export function chain(...nodes: INode[]): WorkflowDefinition {
	const connections: IConnections = {};
	for (let i = 0; i + 1 < nodes.length; i++) {
		connections[nodes[i].name] = { main: [[{ node: nodes[i + 1].name, type: 'main', index: 0 }]] };
	}
	return { nodes, connections };
}

/** The usual test workflow: a batch of items into one Stable Avatar node. */
export function avatarWorkflow(items: FixtureItem[], parameters: IDataObject, settings: Partial<INode> = {}): WorkflowDefinition {
	return chain(trigger(), fixtureItems(items), avatarNode(parameters, settings));
}

/**
 * Inputs handed to fal as they are (the emulator does not fetch them). On a closed local port: the node
 * reads audio URLs before submit, and nothing in tests may reach beyond 127.0.0.1; tests about reading
 * an audio URL serve their own file.
 */
export const IMAGE_URL = 'http://127.0.0.1:9/falserverless/example_inputs/stable-avatar-input-image.png';
export const AUDIO_URL = 'http://127.0.0.1:9/falserverless/example_inputs/stable-avatar-input-audio.mp3';

/** Parameters for a job with both inputs given as URLs. */
export function urlInputs(extra: IDataObject = {}): IDataObject {
	return { operation: 'generate', imageSource: 'url', imageUrl: IMAGE_URL, audioSource: 'url', audioUrl: AUDIO_URL, ...extra };
}

export const AVATAR_TOOL_TYPE = 'n8n-nodes-stable-avatar.stableAvatarTool';
export const AGENT_NODE = 'Agent';

/** Start → items → an agent stand-in that calls the Stable Avatar Tool once per entry of `calls`. */
export function agentWorkflow(calls: IDataObject[], toolParameters: IDataObject = {}, toolSettings: Partial<INode> = {}): WorkflowDefinition {
	const start = trigger();
	const agent = node(AGENT_NODE, 'test.toolCallingAgent', { calls: JSON.stringify(calls) });
	const tool = node(AVATAR_NODE, AVATAR_TOOL_TYPE, toolParameters, {
		credentials: { falApi: { id: '1', name: 'fal (emulator)' } },
		...toolSettings,
	});
	return {
		nodes: [start, agent, tool],
		connections: {
			[start.name]: { main: [[{ node: agent.name, type: 'main', index: 0 }]] },
			[tool.name]: { ai_tool: [[{ node: agent.name, type: 'ai_tool', index: 0 }]] },
		},
	};
}

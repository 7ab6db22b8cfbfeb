/** The node types a test workflow may use: ours, plus real n8n-nodes-base nodes for the plumbing. */
import { NodeConnectionTypes, NodeHelpers, type INodeType, type INodeTypes, type IVersionedNodeType } from 'n8n-workflow';
import { ManualTrigger } from 'n8n-nodes-base/dist/nodes/ManualTrigger/ManualTrigger.node';
import { ReadWriteFile } from 'n8n-nodes-base/dist/nodes/Files/ReadWriteFile/ReadWriteFile.node';
import { Set as SetNode } from 'n8n-nodes-base/dist/nodes/Set/Set.node';
import { SplitOut } from 'n8n-nodes-base/dist/nodes/Transform/SplitOut/SplitOut.node';
import { Merge } from 'n8n-nodes-base/dist/nodes/Merge/Merge.node';
import { NoOp } from 'n8n-nodes-base/dist/nodes/NoOp/NoOp.node';
import { StickyNote } from 'n8n-nodes-base/dist/nodes/StickyNote/StickyNote.node';

// The explicit extension matters: StableAvatar.node.json (the codex file) sits beside it, and a
// resolver that tries .json before .ts (tsx, for the demo) would load that instead.
import { StableAvatar } from '../../nodes/StableAvatar/StableAvatar.node.ts';
import { StableAvatarTrigger } from '../../nodes/StableAvatarTrigger/StableAvatarTrigger.node.ts';
import { ToolCallingAgent } from './agentNode';
import { FixtureItems } from './itemsNode';

/** Our node answers to both names: the one in tests and the one a community install gives it. */
const registry: Record<string, INodeType | IVersionedNodeType> = {
	'n8n-nodes-stable-avatar.stableAvatar': new StableAvatar(),
	'n8n-nodes-stable-avatar.stableAvatarTool': asTool(new StableAvatar()),
	'n8n-nodes-stable-avatar.stableAvatarTrigger': new StableAvatarTrigger(),
	'n8n-nodes-base.manualTrigger': new ManualTrigger(),
	'n8n-nodes-base.readWriteFile': new ReadWriteFile(),
	'n8n-nodes-base.set': new SetNode(),
	'n8n-nodes-base.splitOut': new SplitOut(),
	'n8n-nodes-base.merge': new Merge(),
	'n8n-nodes-base.noOp': new NoOp(),
	'n8n-nodes-base.stickyNote': new StickyNote(),
	'test.fixtureItems': new FixtureItems(),
	'test.toolCallingAgent': new ToolCallingAgent(),
};

/**
 * The "<Name> Tool" type n8n makes of a `usableAsTool` node (n8n's node-types.js and
 * tool-generation/ai-tools.js, convertNodeToAiTool): the same node with its name suffixed `Tool`,
 * no inputs and an ai_tool output. Our node brings its own toolDescription, so n8n adds no other property.
 */
function asTool(nodeType: INodeType): INodeType {
	const { usableAsTool: _usable, ...base } = nodeType.description;
	const description = {
		...base,
		name: `${base.name}Tool`,
		displayName: `${base.displayName} Tool`,
		inputs: [],
		outputs: [NodeConnectionTypes.AiTool],
	};
	return Object.create(nodeType, { description: { value: description } }) as INodeType;
}

export const nodeTypes: INodeTypes = {
	getByName: (type) => known(type),
	getByNameAndVersion: (type, version) => NodeHelpers.getVersionedNodeType(known(type), version),
	getKnownTypes: () => ({}),
};

function known(type: string): INodeType | IVersionedNodeType {
	const nodeType = registry[type];
	if (!nodeType) throw new Error(`The test harness has no node type "${type}"`);
	return nodeType;
}

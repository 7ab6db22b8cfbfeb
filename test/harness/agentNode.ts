/**
 * An AI Agent stand-in for tests: it asks n8n-core for the tools connected to it, as n8n's AI Agent
 * does (`getInputConnectionData(ai_tool)`, which wraps a `usableAsTool` node with n8n-core's own
 * createNodeAsTool and makeHandleToolInvocation: a new run index per try, Retry On Fail, the input
 * item built from the arguments), and calls the first tool once per entry of its `calls` parameter,
 * one after the other. What the model would read comes out as items: the tool's answer or its error.
 */
import {
	NodeConnectionTypes,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

export interface ConnectedTool {
	name: string;
	description: string;
	schema: { shape?: Record<string, { description?: string }> };
	invoke(args: IDataObject): Promise<unknown>;
}

export class ToolCallingAgent implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Tool-calling agent (test)',
		name: 'toolCallingAgent',
		group: ['transform'],
		version: 1,
		description: 'Calls a connected tool with scripted arguments',
		defaults: { name: 'Agent' },
		inputs: [NodeConnectionTypes.Main, { type: NodeConnectionTypes.AiTool, displayName: 'Tool', required: true }],
		outputs: [NodeConnectionTypes.Main],
		properties: [{ displayName: 'Calls (JSON)', name: 'calls', type: 'string', default: '[]' }],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const tools = (await this.getInputConnectionData(NodeConnectionTypes.AiTool, 0)) as ConnectedTool[];
		const tool = tools[0];
		const calls = JSON.parse(this.getNodeParameter('calls', 0) as string) as IDataObject[];
		const output: INodeExecutionData[] = [];
		for (const args of calls) {
			const seen = { tool: tool.name, description: tool.description, arguments: Object.keys(tool.schema.shape ?? {}) };
			try {
				output.push({ json: { ...seen, answer: JSON.parse(String(await tool.invoke(args))) as IDataObject } });
			} catch (error) {
				output.push({ json: { ...seen, error: (error as Error).message } });
			}
		}
		return [output];
	}
}

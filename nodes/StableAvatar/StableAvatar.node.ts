import {
	NodeConnectionTypes,
	updateDisplayOptions,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { operations, route } from './actions/router';
import { modelInputProperties } from './descriptions/modelInput';
import { withToolMode } from './descriptions/toolMode';

export class StableAvatar implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Stable Avatar',
		name: 'stableAvatar',
		icon: { light: 'file:../../icons/fal.svg', dark: 'file:../../icons/fal.dark.svg' },
		group: ['transform'],
		version: 1,
		// The operation in words on the canvas (test/nodes/StableAvatar/StableAvatar.node.test.ts checks each one).
		subtitle:
			'={{ { generate: "Generate video", submit: "Submit job", getStatus: "Get status", getResult: "Get result", cancel: "Cancel job" }[$parameter["operation"]] }}',
		description: 'Turn a portrait and speech into a talking-avatar video with fal.ai Stable Avatar',
		defaults: { name: 'Stable Avatar' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'falApi', required: true }],
		// As an AI Agent's tool, some of these give way to descriptions/toolMode.ts.
		properties: withToolMode([
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				options: [
					{
						name: 'Cancel',
						value: 'cancel',
						action: 'Cancel a video job',
						description: 'Stop a job on fal by its request ID',
					},
					{
						name: 'Generate',
						value: 'generate',
						action: 'Generate a talking avatar video',
						description: 'Render the video and wait for it: the video arrives as binary data',
					},
					{
						name: 'Get Result',
						value: 'getResult',
						action: 'Get the result of a video job',
						description: 'Fetch the video of a finished job by its request ID',
					},
					{
						name: 'Get Status',
						value: 'getStatus',
						action: 'Get the status of a video job',
						description: 'Check where a job stands: queue position, logs',
					},
					{
						name: 'Submit',
						value: 'submit',
						action: 'Submit a video job',
						description: 'Start a job and return its request ID at once, optionally with a webhook for when it ends',
					},
				],
				default: 'generate',
			},
			...updateDisplayOptions({ show: { operation: ['generate', 'submit'] } }, modelInputProperties),
			...Object.values(operations).flatMap((operation) => operation.properties),
		]),
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await route(this);
	}
}

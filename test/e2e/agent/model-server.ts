/**
 * A scripted stand-in for OpenAI's Chat Completions API on 127.0.0.1, for n8n's OpenAI Chat Model
 * (pinned to chat completions: "Use Responses API" off). The agent's prompt is the script: a JSON
 * list of tool arguments. The "model" calls the first tool it is offered with each entry in turn, one
 * call per turn, and ends by repeating what the tool answered. Every request is kept, so a check can
 * read exactly what the model was told: the tools offered and each tool result.
 *
 * The same server hosts the media the model passes (a portrait and silent WAVs of any length, with
 * range requests), so the audio-length probe and the "nothing downloaded" check see real traffic.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OfferedTool {
	name: string;
	description: string;
	parameters: { properties?: Record<string, { description?: string }>; required?: string[] };
}

export interface ChatRequest {
	stream: boolean;
	tools: OfferedTool[];
	/** The tool results the model was given so far (role "tool"), in order. */
	toolResults: string[];
}

interface Message {
	role: string;
	content?: string | Array<{ type: string; text?: string }> | null;
}

export class ScriptedModelServer {
	readonly requests: ChatRequest[] = [];
	/** Requests for the hosted media: path and Range header. */
	readonly mediaReads: Array<{ path: string; range?: string }> = [];

	private constructor(
		private readonly server: Server,
		readonly url: string,
	) {}

	static async start(): Promise<ScriptedModelServer> {
		let self: ScriptedModelServer | undefined;
		const server = createServer((request, response) => {
			void self?.handle(request, response).catch((error: Error) => {
				response.writeHead(500, { 'content-type': 'application/json' });
				response.end(JSON.stringify({ error: { message: error.message } }));
			});
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		self = new ScriptedModelServer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
		return self;
	}

	/** The base URL for the OpenAI credential. */
	get apiUrl(): string {
		return `${this.url}/v1`;
	}

	/** A silent WAV of this many seconds, served here. */
	wavUrl(seconds: number): string {
		return `${this.url}/media/speech-${seconds}s.wav`;
	}

	get portraitUrl(): string {
		return `${this.url}/media/portrait.png`;
	}

	async close(): Promise<void> {
		this.server.closeAllConnections();
		await new Promise<void>((resolve) => this.server.close(() => resolve()));
	}

	private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
		const path = (request.url ?? '/').split('?')[0];
		if (request.method === 'GET' && path.startsWith('/media/')) return this.media(path, request, response);
		if (request.method === 'POST' && path === '/v1/chat/completions') {
			const body = JSON.parse(await readBody(request)) as { stream?: boolean; messages: Message[]; tools?: Array<{ function: OfferedTool }> };
			return this.complete(body, response);
		}
		response.writeHead(404, { 'content-type': 'application/json' });
		response.end(JSON.stringify({ error: { message: `The scripted model server has no ${request.method} ${path}` } }));
	}

	private complete(body: { stream?: boolean; messages: Message[]; tools?: Array<{ function: OfferedTool }> }, response: ServerResponse): void {
		const tools = (body.tools ?? []).map((tool) => tool.function);
		const lastUser = body.messages.map((message) => message.role).lastIndexOf('user');
		const toolResults = body.messages.slice(lastUser + 1).filter((message) => message.role === 'tool').map((message) => textOf(message.content));
		this.requests.push({ stream: body.stream === true, tools, toolResults });

		const script = JSON.parse(textOf(body.messages[lastUser]?.content).replace(/^[^[]*/, '')) as unknown[];
		const next = script[toolResults.length];
		const toolCalls =
			next !== undefined && tools[0]
				? [{ id: `call_${toolResults.length}`, type: 'function', function: { name: tools[0].name, arguments: JSON.stringify(next) } }]
				: undefined;
		const message = toolCalls
			? { role: 'assistant', content: null, tool_calls: toolCalls }
			: { role: 'assistant', content: `Tool results: ${JSON.stringify(toolResults)}` };
		const finish = toolCalls ? 'tool_calls' : 'stop';
		const base = { id: `chatcmpl-${this.requests.length}`, created: Math.floor(Date.now() / 1000), model: 'scripted' };
		const usage = { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 };
		if (!body.stream) {
			response.writeHead(200, { 'content-type': 'application/json' });
			response.end(JSON.stringify({ ...base, object: 'chat.completion', choices: [{ index: 0, message, finish_reason: finish }], usage }));
			return;
		}
		// Streamed: the whole message in one delta (tool calls carry their index), then the finish and [DONE].
		const delta = toolCalls ? { role: 'assistant', tool_calls: toolCalls.map((call, index) => ({ index, ...call })) } : message;
		const chunk = (choice: object, extra: object = {}) => `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [choice], ...extra })}\n\n`;
		response.writeHead(200, { 'content-type': 'text/event-stream' });
		response.write(chunk({ index: 0, delta, finish_reason: null }));
		response.write(chunk({ index: 0, delta: {}, finish_reason: finish }, { usage }));
		response.end('data: [DONE]\n\n');
	}

	private media(path: string, request: IncomingMessage, response: ServerResponse): void {
		this.mediaReads.push({ path, range: request.headers.range });
		const wav = /^\/media\/speech-(\d+)s\.wav$/.exec(path);
		const bytes = wav ? silentWav(Number(wav[1])) : path === '/media/portrait.png' ? PNG_1x1 : undefined;
		if (!bytes) {
			response.writeHead(404);
			response.end();
			return;
		}
		const type = wav ? 'audio/wav' : 'image/png';
		const range = /^bytes=(\d+)-(\d*)$/.exec(request.headers.range ?? '');
		if (!range) {
			response.writeHead(200, { 'content-type': type, 'content-length': bytes.length, 'accept-ranges': 'bytes' });
			response.end(bytes);
			return;
		}
		const start = Number(range[1]);
		const end = Math.min(range[2] ? Number(range[2]) : bytes.length - 1, bytes.length - 1);
		response.writeHead(206, { 'content-type': type, 'content-length': end - start + 1, 'content-range': `bytes ${start}-${end}/${bytes.length}` });
		response.end(bytes.subarray(start, end + 1));
	}
}

async function readBody(request: IncomingMessage): Promise<string> {
	const chunks: Buffer[] = [];
	for await (const chunk of request) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks).toString('utf8');
}

function textOf(content: Message['content']): string {
	if (typeof content === 'string') return content;
	return (content ?? []).map((part) => part.text ?? '').join('');
}

/** A PCM WAV of `seconds` of silence (8 kHz, mono, 8-bit). */
function silentWav(seconds: number): Buffer {
	const dataBytes = seconds * 8000;
	const header = Buffer.alloc(44);
	header.write('RIFF', 0, 'latin1');
	header.writeUInt32LE(36 + dataBytes, 4);
	header.write('WAVEfmt ', 8, 'latin1');
	header.writeUInt32LE(16, 16);
	header.writeUInt16LE(1, 20);
	header.writeUInt16LE(1, 22);
	header.writeUInt32LE(8000, 24);
	header.writeUInt32LE(8000, 28);
	header.writeUInt16LE(1, 32);
	header.writeUInt16LE(8, 34);
	header.write('data', 36, 'latin1');
	header.writeUInt32LE(dataBytes, 40);
	return Buffer.concat([header, Buffer.alloc(dataBytes, 0x80)]);
}

const PNG_1x1 = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64');

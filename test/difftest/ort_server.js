// ort_server.js - onnxruntime (npm onnxruntime-node, CPU) as a long-lived reference
// executor for run.py: one Node process answers many requests, so a graph costs a
// session, not a Node start-up.
//
// Protocol: one JSON request per line on stdin, one JSON answer per line on stdout.
//   request: {"model": "M.onnx", "input": "X.bin", "dims": [1,3,8,8], "count": 6, "output": "Y.bin"}
//     X.bin: count samples of float32[dims], back to back.
//   answer:  {"ok": true, "outputs": [{"name": "y", "dims": [1,10]}, ...]}
//     Y.bin: for each graph output in that order, its count samples back to back (float32).
//   or       {"ok": false, "error": "message"}
// Graph optimizations are off (the reference should run the graph as written), one thread.
// Prints {"ready": true, "version": "1.30.0"} once loaded. Exits when stdin closes.
'use strict';
const fs = require('fs');
const path = require('path');
const readline = require('readline');

function loadOrt() {
    const dirs = [process.env.ORT_NODE_DIR, path.join(__dirname, '..', '..', 'bench', 'ort', 'node_modules')]
        .filter(Boolean);
    const errors = [];
    for (const d of dirs) {
        try { return require(path.join(d, 'onnxruntime-node')); } catch (e) { errors.push(d + ': ' + e.message); }
    }
    try { return require('onnxruntime-node'); } catch (e) { errors.push(e.message); }
    throw new Error('onnxruntime-node not found (' + errors.join('; ') + ')');
}

async function handle(ort, req) {
    const session = await ort.InferenceSession.create(req.model, {
        intraOpNumThreads: 1,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'disabled',
    });
    try {
        const per = req.dims.reduce((a, b) => a * b, 1);
        const bytes = fs.readFileSync(req.input);
        const all = new Float32Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.length / 4));
        const names = session.outputNames;
        const chunks = names.map(() => []);
        const dims = names.map(() => null);
        for (let s = 0; s < req.count; s++) {
            const x = new ort.Tensor('float32', all.slice(s * per, (s + 1) * per), req.dims);
            const res = await session.run({ [session.inputNames[0]]: x });
            names.forEach((n, i) => {
                const t = res[n];
                if (t.type !== 'float32') throw new Error(`output ${n} has type ${t.type}`);
                chunks[i].push(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
                dims[i] = Array.from(t.dims);
            });
        }
        fs.writeFileSync(req.output, Buffer.concat(chunks.flat()));
        return { ok: true, outputs: names.map((n, i) => ({ name: n, dims: dims[i] })) };
    } finally {
        await session.release();
    }
}

async function main() {
    let ort;
    try {
        ort = loadOrt();
    } catch (e) {
        process.stdout.write(JSON.stringify({ ready: false, error: e.message }) + '\n');
        process.exit(1);
    }
    ort.env.logLevel = 'error';
    const version = ort.env.versions ? ort.env.versions.common : '?';
    process.stdout.write(JSON.stringify({ ready: true, version }) + '\n');
    const rl = readline.createInterface({ input: process.stdin, terminal: false });
    for await (const line of rl) {
        if (!line.trim()) continue;
        let answer;
        try {
            answer = await handle(ort, JSON.parse(line));
        } catch (e) {
            answer = { ok: false, error: String(e && e.message ? e.message : e).split('\n')[0] };
        }
        process.stdout.write(JSON.stringify(answer) + '\n');
    }
}

main();

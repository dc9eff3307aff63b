// ort_time.js - times onnxruntime (npm onnxruntime-node, CPU) on one model the way
// bench/time_model.c times tsnc's code: batch 1, one intra-op thread, all graph
// optimizations, one warm-up pass over the samples, then one hrtime pair around each
// session.run, cycling through the samples until MAX_CALLS calls or MAX_SECONDS.
//
// usage: node ort_time.js MODEL.onnx DIMS INPUT.bin [MAX_CALLS [MAX_SECONDS]]
//   DIMS: the input shape, e.g. 1,1,28,28; INPUT.bin: raw float32 samples back to back.
// prints one line, like time_model.c:
//   NAME median_us=M p10_us=A p90_us=B min_us=C calls=N peak_rss_kib=R onnxruntime=VERSION
// (R: the peak resident set size of this Node process, which includes Node itself.)
'use strict';
const fs = require('fs');
const path = require('path');

function loadOrt() {
    const dirs = [process.env.ORT_NODE_DIR, path.join(__dirname, 'node_modules')].filter(Boolean);
    for (const d of dirs) {
        try { return require(path.join(d, 'onnxruntime-node')); } catch (e) { /* next */ }
    }
    return require('onnxruntime-node');
}

async function main() {
    const [model, dimsArg, input, callsArg, secondsArg] = process.argv.slice(2);
    if (!model || !dimsArg || !input) {
        console.error('usage: node ort_time.js MODEL.onnx DIMS INPUT.bin [MAX_CALLS [MAX_SECONDS]]');
        process.exit(2);
    }
    const ort = loadOrt();
    const dims = dimsArg.split(',').map(Number);
    const per = dims.reduce((a, b) => a * b, 1);
    const bytes = fs.readFileSync(input);
    const all = new Float32Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.length / 4));
    const samples = Math.floor(all.length / per);
    const maxCalls = Number(callsArg || 100000), budgetNs = BigInt(Math.round(Number(secondsArg || 1) * 1e9));
    const session = await ort.InferenceSession.create(model, {
        intraOpNumThreads: 1,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
    });
    const inName = session.inputNames[0];
    const tensors = [];
    for (let s = 0; s < samples; s++)
        tensors.push(new ort.Tensor('float32', all.slice(s * per, (s + 1) * per), dims));
    for (let s = 0; s < samples; s++) await session.run({ [inName]: tensors[s] });
    const times = [];
    const start = process.hrtime.bigint();
    for (let s = 0; times.length < maxCalls && (times.length === 0 || process.hrtime.bigint() - start < budgetNs);
         s = (s + 1) % samples) {
        const t0 = process.hrtime.bigint();
        await session.run({ [inName]: tensors[s] });
        times.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
    times.sort((a, b) => a - b);
    const k = times.length;
    const name = path.basename(model, '.onnx');
    console.log(`${name} median_us=${times[k >> 1].toFixed(3)} p10_us=${times[Math.floor(k / 10)].toFixed(3)} ` +
                `p90_us=${times[Math.floor(k * 9 / 10)].toFixed(3)} min_us=${times[0].toFixed(3)} calls=${k} ` +
                `peak_rss_kib=${process.resourceUsage().maxRSS} onnxruntime=${ort.env.versions ? ort.env.versions.common : '?'}`);
}

main().catch((e) => { console.error(e); process.exit(1); });

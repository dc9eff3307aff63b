// ort_outputs.js - runs an ONNX model with onnxruntime (npm onnxruntime-node, CPU) on raw
// float32 samples and writes its outputs as raw float32, one sample after the other: the
// reference outputs of test/regress (make_models.py calls it; tsnc is not involved).
//
// usage: node ort_outputs.js MODEL.onnx DIMS INPUT.bin OUTPUT.bin
//   DIMS: the input shape, e.g. 1,2,4,4; INPUT.bin: samples of that shape back to back.
// onnxruntime-node is looked up in $ORT_NODE_DIR, then bench/ort/node_modules
// (npm install --ignore-scripts there), then Node's usual places.
'use strict';
const fs = require('fs');
const path = require('path');

function loadOrt() {
    const dirs = [process.env.ORT_NODE_DIR, path.join(__dirname, '..', '..', 'bench', 'ort', 'node_modules')];
    for (const d of dirs.filter(Boolean)) {
        try { return require(path.join(d, 'onnxruntime-node')); } catch (e) { /* next */ }
    }
    return require('onnxruntime-node');
}

async function main() {
    const [model, dimsArg, input, output] = process.argv.slice(2);
    if (!model || !dimsArg || !input || !output) {
        console.error('usage: node ort_outputs.js MODEL.onnx DIMS INPUT.bin OUTPUT.bin');
        process.exit(2);
    }
    const ort = loadOrt();
    const dims = dimsArg.split(',').map(Number);
    const per = dims.reduce((a, b) => a * b, 1);
    const bytes = fs.readFileSync(input);
    const all = new Float32Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.length / 4));
    if (all.length === 0 || all.length % per !== 0) throw new Error(`${input}: not whole samples of ${dimsArg}`);
    const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1 });
    if (session.outputNames.length !== 1) throw new Error(`${model}: expected one output`);
    const chunks = [];
    for (let s = 0; s < all.length / per; s++) {
        const x = new ort.Tensor('float32', all.slice(s * per, (s + 1) * per), dims);
        const r = await session.run({ [session.inputNames[0]]: x });
        const y = r[session.outputNames[0]].data;
        chunks.push(Buffer.from(new Float32Array(y).buffer));
    }
    fs.writeFileSync(output, Buffer.concat(chunks));
    console.log(`${path.basename(model)}: ${all.length / per} samples, onnxruntime ${ort.env.versions ? ort.env.versions.common : ''}`);
}

main().catch((e) => {
    console.error(e.message || e);
    process.exit(1);
});

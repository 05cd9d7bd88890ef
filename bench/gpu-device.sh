#!/bin/bash
# bench:gpu on a lent GPU machine that has no Bun, no Vulkan loader and no registry (the workplace's
# device tool). Prepare here with `bash bench/gpu-device.sh prepare` (it fills the git-ignored
# folders .gpu/ and .gl/), then run `bash bench/gpu-device.sh run` there, carrying .gpu, .gl and
# build. It unpacks Bun, dawn.node and the Vulkan loader, runs the bundled bench/gpu.ts and
# bench/torch_reference.py, and writes their output under $OUT.
set -o pipefail
case "$1" in
prepare)
  set -e
  rm -rf .gpu && mkdir -p .gpu/nm/webgpu/dist/linux-x64 .gl /tmp/amd64/partial
  xz -T0 -6 -c node_modules/bun/bin/bun.exe >.gpu/bun.xz
  cp node_modules/webgpu/package.json node_modules/webgpu/index.js .gpu/nm/webgpu/
  xz -T0 -6 -c node_modules/webgpu/dist/linux-x64/dawn.node >.gpu/nm/webgpu/dist/linux-x64/dawn.node.xz
  cp -r node_modules/wabt .gpu/nm/wabt
  node_modules/.bin/bun scripts/build-native.ts
  node_modules/.bin/bun build bench/gpu.ts --target=bun --outdir .gpu/dist --external webgpu
  o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  # shellcheck disable=SC2086
  apt-get $o update >/dev/null
  # the NVIDIA ICD (libGLX_nvidia) needs glvnd's libGLdispatch beside the loader
  # shellcheck disable=SC2086
  (cd .gl && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
  du -sh .gpu .gl
  ;;
run)
  for f in .gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
  icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  [ -f $icd ] && export VK_DRIVER_FILES=$icd
  unx() { xz -dc "$1" >"$2" 2>/dev/null || python3 -c "import lzma,shutil,sys;shutil.copyfileobj(lzma.open(sys.argv[1]),open(sys.argv[2],'wb'))" "$1" "$2"; }
  mkdir -p /tmp/bin node_modules/webgpu/dist/linux-x64
  unx .gpu/bun.xz /tmp/bin/bun && chmod +x /tmp/bin/bun && export PATH=/tmp/bin:$PATH
  cp -r .gpu/nm/wabt node_modules/
  cp .gpu/nm/webgpu/package.json .gpu/nm/webgpu/index.js node_modules/webgpu/
  unx .gpu/nm/webgpu/dist/linux-x64/dawn.node.xz node_modules/webgpu/dist/linux-x64/dawn.node
  nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu --format=csv
  export XDG_RUNTIME_DIR=/tmp
  # the bundle loads its native CPU library from the working folder
  cp .gpu/dist/*.so .
  timeout 360 bun .gpu/dist/gpu.js --json "$OUT/gpu.json" 2>&1 | grep -v 'artificially reduced' | tee "$OUT/gpu.log"
  PYTHONUNBUFFERED=1 timeout 100 python3 bench/torch_reference.py 2>&1 | tee "$OUT/torch.log"
  ;;
*)
  echo "usage: bash bench/gpu-device.sh prepare|run" >&2
  exit 2
  ;;
esac

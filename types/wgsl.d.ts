/** WGSL kernels are imported as text (`with { type: "text" }`) so `bun build --compile` embeds them. */
declare module "*.wgsl" {
  const source: string;
  export default source;
}

// The native kernel library (build/native/libmlnative.so) is imported as a file path, so `bun build --compile` embeds it.
declare module "*.so" {
  const path: string;
  export default path;
}

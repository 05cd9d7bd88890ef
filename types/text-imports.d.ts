// Files imported as text (`with { type: "text" }`) and embedded by `bun build --compile`.
declare module "*.sql" {
  const text: string;
  export default text;
}
declare module "*.csv" {
  const text: string;
  export default text;
}

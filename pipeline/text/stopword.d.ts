// The `stopword` package ships no types; we only use its English list.
declare module 'stopword' {
  export const eng: string[];
}

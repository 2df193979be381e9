// npm test lints with the rules that need types and catch what tsc does not: a promise nobody
// awaits or catches (no-floating-promises), and an async function given where nothing waits
// for it, such as an event listener (no-misused-promises). In network code both turn an
// error into an unhandled rejection that ends the process. Layout is Prettier's business.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['labs/**', 'node_modules/**', '.grader-tmp/**', 'bench-results/**', 'mutation-results/**'] },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
);

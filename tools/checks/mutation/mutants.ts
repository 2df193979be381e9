// Mutants of a solution file: small changes to the code students write (the regions between
// `// BEGIN SOLUTION` and `// END SOLUTION`), one at a time, of the kinds StrykerJS makes:
// a comparison or arithmetic operator swapped, a condition forced, a boolean or number
// changed, a string emptied, a call statement removed, a negation dropped. Found with the
// TypeScript compiler's parser, so every mutant is still syntactically valid TypeScript.
import ts from 'typescript';

export interface Mutant {
  /** File inside the lab folder, e.g. "server.ts". */
  file: string;
  /** 1-based line of the change. */
  line: number;
  /** The original line, trimmed: with `mutation`, how equivalent mutants are recognised. */
  code: string;
  /** What changed: "=== → !==", "if (…) → if (true)", "removed call". */
  mutation: string;
  /** The whole file, mutated. */
  source: string;
}

const SWAPS: Partial<Record<ts.SyntaxKind, ts.SyntaxKind>> = {
  [ts.SyntaxKind.EqualsEqualsEqualsToken]: ts.SyntaxKind.ExclamationEqualsEqualsToken,
  [ts.SyntaxKind.ExclamationEqualsEqualsToken]: ts.SyntaxKind.EqualsEqualsEqualsToken,
  [ts.SyntaxKind.LessThanToken]: ts.SyntaxKind.LessThanEqualsToken,
  [ts.SyntaxKind.LessThanEqualsToken]: ts.SyntaxKind.LessThanToken,
  [ts.SyntaxKind.GreaterThanToken]: ts.SyntaxKind.GreaterThanEqualsToken,
  [ts.SyntaxKind.GreaterThanEqualsToken]: ts.SyntaxKind.GreaterThanToken,
  [ts.SyntaxKind.PlusToken]: ts.SyntaxKind.MinusToken,
  [ts.SyntaxKind.MinusToken]: ts.SyntaxKind.PlusToken,
  [ts.SyntaxKind.AsteriskToken]: ts.SyntaxKind.SlashToken,
  [ts.SyntaxKind.AmpersandAmpersandToken]: ts.SyntaxKind.BarBarToken,
  [ts.SyntaxKind.BarBarToken]: ts.SyntaxKind.AmpersandAmpersandToken,
  [ts.SyntaxKind.QuestionQuestionToken]: ts.SyntaxKind.AmpersandAmpersandToken,
};

/** Line ranges [from, to] (1-based, inclusive) of the solution regions. */
export function solutionRegions(source: string): Array<[number, number]> {
  const regions: Array<[number, number]> = [];
  let start: number | undefined;
  source.split('\n').forEach((line, index) => {
    if (/\/\/ BEGIN SOLUTION/.test(line)) start = index + 1;
    else if (/\/\/ END SOLUTION/.test(line) && start !== undefined) {
      regions.push([start, index + 1]);
      start = undefined;
    }
  });
  return regions;
}

export function mutantsOf(file: string, source: string): Mutant[] {
  const sourceFile = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const regions = solutionRegions(source);
  const lines = source.split('\n');
  const lineOf = (position: number) => sourceFile.getLineAndCharacterOfPosition(position).line + 1;
  const inRegion = (node: ts.Node) => {
    const from = lineOf(node.getStart(sourceFile));
    const to = lineOf(node.getEnd());
    return regions.some(([start, end]) => from > start && to < end);
  };
  const mutants: Mutant[] = [];
  const replace = (start: number, end: number, text: string, mutation: string) => {
    const line = lineOf(start);
    mutants.push({
      file,
      line,
      code: lines[line - 1].trim(),
      mutation,
      source: source.slice(0, start) + text + source.slice(end),
    });
  };
  const textOf = (node: ts.Node) => node.getText(sourceFile);

  const visit = (node: ts.Node): void => {
    if (inRegion(node)) {
      if (ts.isBinaryExpression(node)) {
        const swapped = SWAPS[node.operatorToken.kind];
        if (swapped !== undefined) {
          const from = node.operatorToken.getText(sourceFile);
          const to = ts.tokenToString(swapped)!;
          replace(node.operatorToken.getStart(sourceFile), node.operatorToken.getEnd(), to, `${from} → ${to}`);
        }
      }
      if ((ts.isIfStatement(node) || ts.isWhileStatement(node)) && !ts.isLiteralExpression(node.expression)) {
        for (const forced of ['true', 'false']) {
          replace(node.expression.getStart(sourceFile), node.expression.getEnd(), forced, `condition → ${forced}`);
        }
      }
      if (ts.isConditionalExpression(node)) {
        for (const forced of ['true', 'false'])
          replace(node.condition.getStart(sourceFile), node.condition.getEnd(), forced, `?: condition → ${forced}`);
      }
      if (node.kind === ts.SyntaxKind.TrueKeyword || node.kind === ts.SyntaxKind.FalseKeyword) {
        replace(
          node.getStart(sourceFile),
          node.getEnd(),
          node.kind === ts.SyntaxKind.TrueKeyword ? 'false' : 'true',
          `${textOf(node)} → ${node.kind === ts.SyntaxKind.TrueKeyword ? 'false' : 'true'}`,
        );
      }
      if (ts.isNumericLiteral(node)) {
        const value = Number(node.text);
        replace(node.getStart(sourceFile), node.getEnd(), String(value + 1), `${node.text} → ${value + 1}`);
      }
      if (
        ts.isStringLiteral(node) &&
        node.text.length > 0 &&
        !ts.isImportDeclaration(node.parent) &&
        !ts.isExportDeclaration(node.parent)
      ) {
        replace(node.getStart(sourceFile), node.getEnd(), "''", `${textOf(node).slice(0, 20)} → ''`);
      }
      if (ts.isPrefixUnaryExpression(node) && node.operator === ts.SyntaxKind.ExclamationToken) {
        replace(node.getStart(sourceFile), node.getEnd(), textOf(node.operand), 'removed !');
      }
      if (ts.isExpressionStatement(node) && ts.isCallExpression(node.expression)) {
        replace(node.getStart(sourceFile), node.getEnd(), '', 'removed call');
      }
      if (ts.isReturnStatement(node) && node.expression && ts.isBlock(node.parent)) {
        replace(node.getStart(sourceFile), node.getEnd(), 'return undefined as never;', 'return → undefined');
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return mutants;
}

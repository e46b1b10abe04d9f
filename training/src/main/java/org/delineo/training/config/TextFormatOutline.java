package org.delineo.training.config;

import java.util.ArrayList;
import java.util.List;

/**
 * A tolerant scan of protobuf text format that records, for every field name and scalar value,
 * where it stands and the path of field names leading to it. The protobuf parser reports only a
 * line and column; this outline turns that position back into "which field, which value" so an
 * error can name them. It never rejects input: on odd syntax it keeps going as best it can.
 */
final class TextFormatOutline {
  /** Whether an entry is a field name or a value given to a field. */
  enum Role {
    NAME,
    VALUE
  }

  /** A field name or scalar value: 1-based position, text, and the field path it belongs to. */
  record Entry(int line, int column, String text, Role role, List<String> path) {
    boolean startsAfter(int otherLine, int otherColumn) {
      return line > otherLine || (line == otherLine && column > otherColumn);
    }
  }

  private record Token(int line, int column, String text) {
    boolean is(String symbol) {
      return text.equals(symbol);
    }
  }

  private final List<Token> tokens;
  private final List<Entry> entries = new ArrayList<>();
  private int next;

  private TextFormatOutline(String text) {
    this.tokens = tokenize(text);
  }

  /** The entries of {@code text} in source order. */
  static List<Entry> of(String text) {
    TextFormatOutline outline = new TextFormatOutline(text);
    outline.body(List.of(), null);
    return outline.entries;
  }

  /** The entry at the 1-based position, else the last one before it; null if none precedes. */
  static Entry at(List<Entry> entries, int line, int column) {
    Entry found = null;
    for (Entry entry : entries) {
      if (entry.startsAfter(line, column)) {
        break;
      }
      found = entry;
    }
    return found;
  }

  /** The token starting at the 1-based position, or null (e.g. past the end of the text). */
  static String tokenAt(String text, int line, int column) {
    for (Token token : tokenize(text)) {
      if (token.line() == line && token.column() == column) {
        return token.text();
      }
    }
    return null;
  }

  // Message body: fields until the closing symbol (or the end of the text at the top level).
  private void body(List<String> prefix, String closer) {
    while (next < tokens.size()) {
      Token token = tokens.get(next);
      if (closer != null && token.is(closer)) {
        next++;
        return;
      }
      if (token.is("}") || token.is(">") || token.is("]")) {
        next++;
        if (closer != null) {
          return; // mismatched closer: end this body and let the caller resynchronise
        }
        continue;
      }
      if (token.is(",") || token.is(";")) {
        next++;
        continue;
      }
      List<String> path = append(prefix, fieldName(token));
      entries.add(new Entry(token.line(), token.column(), token.text(), Role.NAME, path));
      if (next < tokens.size() && tokens.get(next).is(":")) {
        next++;
      }
      value(path);
    }
  }

  // Field name, or an [extension.name] written in brackets.
  private String fieldName(Token token) {
    next++;
    if (!token.is("[")) {
      return token.text();
    }
    StringBuilder name = new StringBuilder("[");
    while (next < tokens.size() && !tokens.get(next).is("]")) {
      name.append(tokens.get(next++).text());
    }
    next = Math.min(next + 1, tokens.size());
    return name.append(']').toString();
  }

  private void value(List<String> path) {
    if (next >= tokens.size()) {
      return;
    }
    Token token = tokens.get(next);
    if (token.is("{") || token.is("<")) {
      next++;
      body(path, token.is("{") ? "}" : ">");
    } else if (token.is("[")) {
      next++;
      list(path);
    } else if (token.is("}") || token.is(">") || token.is("]")) {
      return; // value missing; the enclosing body consumes the closer
    } else {
      entries.add(new Entry(token.line(), token.column(), token.text(), Role.VALUE, path));
      next++;
      // Adjacent string literals are concatenated by the parser; they belong to the same value.
      while (ScalarValues.isQuoted(token.text()) && next < tokens.size()
          && ScalarValues.isQuoted(tokens.get(next).text())) {
        Token more = tokens.get(next++);
        entries.add(new Entry(more.line(), more.column(), more.text(), Role.VALUE, path));
      }
    }
  }

  private void list(List<String> path) {
    while (next < tokens.size()) {
      Token token = tokens.get(next);
      if (token.is("]")) {
        next++;
        return;
      }
      if (token.is(",")) {
        next++;
        continue;
      }
      if (token.is("}") || token.is(">")) {
        return;
      }
      value(path);
    }
  }

  private static List<String> append(List<String> prefix, String name) {
    List<String> path = new ArrayList<>(prefix);
    path.add(name);
    return List.copyOf(path);
  }

  // Same token classes as the protobuf tokenizer: quoted strings, runs of identifier/number
  // characters (so "-1.5e-4" is one token), single-character symbols; '#' starts a comment.
  private static List<Token> tokenize(String text) {
    List<Token> result = new ArrayList<>();
    int line = 1;
    int lineStart = 0;
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      int column = i - lineStart + 1;
      if (c == '\n') {
        line++;
        lineStart = ++i;
      } else if (Character.isWhitespace(c)) {
        i++;
      } else if (c == '#') {
        while (i < text.length() && text.charAt(i) != '\n') {
          i++;
        }
      } else if (c == '"' || c == '\'') {
        int end = i + 1;
        while (end < text.length() && text.charAt(end) != c && text.charAt(end) != '\n') {
          end += text.charAt(end) == '\\' ? 2 : 1;
        }
        end = Math.min(end + 1, text.length());
        result.add(new Token(line, column, text.substring(i, end)));
        i = end;
      } else if (isWordChar(c)) {
        int end = i;
        while (end < text.length() && isWordChar(text.charAt(end))) {
          end++;
        }
        result.add(new Token(line, column, text.substring(i, end)));
        i = end;
      } else {
        result.add(new Token(line, column, String.valueOf(c)));
        i++;
      }
    }
    return result;
  }

  private static boolean isWordChar(char c) {
    return Character.isLetterOrDigit(c) || c == '_' || c == '.' || c == '+' || c == '-';
  }
}

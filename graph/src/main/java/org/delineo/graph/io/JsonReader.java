package org.delineo.graph.io;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The project's one JSON parser (the REST client's responses, safetensors headers), a small
 * recursive-descent reader so that no JSON library is needed. Values become
 * {@code Map<String,Object>} (insertion ordered), {@code List<Object>}, {@code String},
 * {@code Long} (integer literals that fit), {@code Double} (other numbers), {@code Boolean} or
 * {@code null}. Besides RFC 8259 it accepts the tokens {@code NaN}, {@code Infinity} and
 * {@code -Infinity}, which TF Serving emits for non-finite floats.
 *
 * <p>Errors are {@link JsonFormatException}s of one line: where the text came from (when the
 * caller says), the character offset, what was expected and what was found.
 */
public final class JsonReader {
  /** Deeper nesting than any tensor needs; bounds the recursion on hostile input. */
  static final int MAX_DEPTH = 256;

  private final String text;
  /** Where the text came from, e.g. a file, as error messages name it; null when unknown. */
  private final String source;
  private int pos;

  private JsonReader(String text, String source) {
    this.text = text;
    this.source = source;
  }

  /** Parses one JSON value that must make up the whole text (surrounding whitespace allowed). */
  public static Object parse(String text) {
    return parse(text, null);
  }

  /**
   * Like {@link #parse(String)}, for text read from {@code source} (e.g. {@code "safetensors
   * file /w/model.safetensors, header"}), which every error message starts with.
   */
  public static Object parse(String text, String source) {
    JsonReader reader = new JsonReader(text, source);
    reader.skipWhitespace();
    Object value = reader.value(0);
    reader.skipWhitespace();
    if (reader.pos < text.length()) {
      throw reader.error("end of input");
    }
    return value;
  }

  private Object value(int depth) {
    if (depth > MAX_DEPTH) {
      throw new JsonFormatException(
          where() + "malformed JSON at offset " + pos + ": nesting deeper than " + MAX_DEPTH);
    }
    if (pos >= text.length()) {
      throw error("a value");
    }
    char c = text.charAt(pos);
    switch (c) {
      case '{':
        return object(depth);
      case '[':
        return array(depth);
      case '"':
        return string();
      case 't':
        return literal("true", Boolean.TRUE);
      case 'f':
        return literal("false", Boolean.FALSE);
      case 'n':
        return literal("null", null);
      case 'N':
        return literal("NaN", Double.NaN);
      case 'I':
        return literal("Infinity", Double.POSITIVE_INFINITY);
      default:
        if (c == '-' || (c >= '0' && c <= '9')) {
          return number();
        }
        throw error("a value");
    }
  }

  private Map<String, Object> object(int depth) {
    pos++; // '{'
    Map<String, Object> map = new LinkedHashMap<>();
    skipWhitespace();
    if (peek() == '}') {
      pos++;
      return map;
    }
    while (true) {
      skipWhitespace();
      if (peek() != '"') {
        throw error("a string key");
      }
      String key = string();
      skipWhitespace();
      expect(':');
      skipWhitespace();
      map.put(key, value(depth + 1));
      skipWhitespace();
      char c = peek();
      if (c == ',') {
        pos++;
      } else if (c == '}') {
        pos++;
        return map;
      } else {
        throw error("',' or '}'");
      }
    }
  }

  private List<Object> array(int depth) {
    pos++; // '['
    List<Object> list = new ArrayList<>();
    skipWhitespace();
    if (peek() == ']') {
      pos++;
      return list;
    }
    while (true) {
      skipWhitespace();
      list.add(value(depth + 1));
      skipWhitespace();
      char c = peek();
      if (c == ',') {
        pos++;
      } else if (c == ']') {
        pos++;
        return list;
      } else {
        throw error("',' or ']'");
      }
    }
  }

  private String string() {
    pos++; // opening quote
    StringBuilder sb = new StringBuilder();
    while (true) {
      if (pos >= text.length()) {
        throw error("closing '\"'");
      }
      char c = text.charAt(pos++);
      if (c == '"') {
        return sb.toString();
      }
      if (c < 0x20) {
        pos--;
        throw error("an escaped control character");
      }
      if (c != '\\') {
        sb.append(c);
        continue;
      }
      if (pos >= text.length()) {
        throw error("an escape character");
      }
      char e = text.charAt(pos++);
      switch (e) {
        case '"', '\\', '/' -> sb.append(e);
        case 'b' -> sb.append('\b');
        case 'f' -> sb.append('\f');
        case 'n' -> sb.append('\n');
        case 'r' -> sb.append('\r');
        case 't' -> sb.append('\t');
        case 'u' -> sb.append(unicodeEscape());
        default -> {
          pos--;
          throw error("one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u");
        }
      }
    }
  }

  private char unicodeEscape() {
    if (pos + 4 > text.length()) {
      throw error("4 hex digits");
    }
    int v = 0;
    for (int i = 0; i < 4; i++) {
      int d = Character.digit(text.charAt(pos), 16);
      if (d < 0) {
        throw error("a hex digit");
      }
      v = v * 16 + d;
      pos++;
    }
    return (char) v;
  }

  private Object number() {
    int start = pos;
    if (peek() == '-') {
      pos++;
      if (text.startsWith("Infinity", pos)) {
        pos += "Infinity".length();
        return Double.NEGATIVE_INFINITY;
      }
    }
    int intStart = pos;
    digits();
    if (pos == intStart) {
      throw error("a digit");
    }
    if (text.charAt(intStart) == '0' && pos - intStart > 1) {
      // RFC 8259 has no octal-looking literals; reading 007 as 7 would hide a corrupt file.
      pos = intStart + 1;
      throw error("'.', 'e' or the end of the number after a leading 0");
    }
    boolean integral = true;
    if (peek() == '.') {
      integral = false;
      pos++;
      int fracStart = pos;
      digits();
      if (pos == fracStart) {
        throw error("a digit after '.'");
      }
    }
    if (peek() == 'e' || peek() == 'E') {
      integral = false;
      pos++;
      if (peek() == '+' || peek() == '-') {
        pos++;
      }
      int expStart = pos;
      digits();
      if (pos == expStart) {
        throw error("a digit in the exponent");
      }
    }
    String token = text.substring(start, pos);
    if (integral) {
      try {
        return Long.parseLong(token);
      } catch (NumberFormatException tooLarge) {
        // falls through: integers beyond long range are kept as doubles
      }
    }
    return Double.parseDouble(token);
  }

  private void digits() {
    while (pos < text.length() && text.charAt(pos) >= '0' && text.charAt(pos) <= '9') {
      pos++;
    }
  }

  private Object literal(String word, Object value) {
    if (!text.startsWith(word, pos)) {
      throw error("'" + word + "'");
    }
    pos += word.length();
    return value;
  }

  private void expect(char c) {
    if (peek() != c) {
      throw error("'" + c + "'");
    }
    pos++;
  }

  /** The current character, or 0 at the end (never a valid token start, so it reads as an error). */
  private char peek() {
    return pos < text.length() ? text.charAt(pos) : 0;
  }

  private void skipWhitespace() {
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        return;
      }
      pos++;
    }
  }

  private JsonFormatException error(String expected) {
    String found =
        pos >= text.length() ? "end of input" : "'" + text.charAt(pos) + "'";
    return new JsonFormatException(
        where() + "malformed JSON at offset " + pos + ": expected " + expected + " but found " + found);
  }

  private String where() {
    return source == null ? "" : source + ": ";
  }
}

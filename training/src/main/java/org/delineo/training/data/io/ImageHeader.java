package org.delineo.training.data.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The format and size of a PNG or JPEG file, read from its header without decoding pixels, with
 * the checks that catch a damaged file cheaply: PNG signature, IHDR and a final IEND chunk; JPEG
 * start-of-image, a start-of-frame before the first scan and a final end-of-image marker. A file
 * that passes can still hold corrupt compressed data ({@link ImageReader} finds that), but a
 * truncated copy or a file of another kind is caught here.
 *
 * @param format "PNG" or "JPEG"
 * @param height rows
 * @param width columns
 */
public record ImageHeader(String format, int height, int width) {
  private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  private static final byte[] PNG_IEND = {0, 0, 0, 0, 'I', 'E', 'N', 'D', (byte) 0xae, 0x42, 0x60,
      (byte) 0x82};
  /** JPEG bytes read to find the frame header; APPn segments (EXIF thumbnails) come before it. */
  private static final int JPEG_PREFIX = 1 << 18;
  /** Zero bytes some writers pad a JPEG with after its end-of-image marker. */
  private static final int JPEG_TAIL = 64;

  /**
   * Reads and checks the header of {@code file}; the format is taken from the content.
   *
   * @throws DataFileException naming the file when it is missing, neither PNG nor JPEG (the
   *     message says what its name promised), or its header or ending is damaged
   */
  public static ImageHeader read(Path file) {
    try (FileChannel channel = FileChannel.open(file)) {
      long size = channel.size();
      if (size == 0) {
        throw new DataFileException(file, "file is empty, expected an image");
      }
      byte[] head = read(channel, 0, (int) Math.min(size, JPEG_PREFIX));
      if (startsWith(head, PNG_SIGNATURE)) {
        return png(file, head, read(channel, Math.max(0, size - PNG_IEND.length),
            (int) Math.min(size, PNG_IEND.length)));
      }
      if (head.length >= 2 && (head[0] & 0xff) == 0xff && (head[1] & 0xff) == 0xd8) {
        return jpeg(file, head, read(channel, Math.max(0, size - JPEG_TAIL),
            (int) Math.min(size, JPEG_TAIL)));
      }
      String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
      String expected = name.endsWith(".png") ? "a PNG" : name.endsWith(".jpg")
          || name.endsWith(".jpeg") ? "a JPEG" : "a PNG or JPEG";
      throw new DataFileException(file, "not " + expected + " (bad signature: first bytes "
          + hex(head, 8) + ")");
    } catch (NoSuchFileException e) {
      throw new DataFileException(file, "file not found", e);
    } catch (IOException e) {
      throw new DataFileException(file, "cannot read file: " + e, e);
    }
  }

  private static ImageHeader png(Path file, byte[] head, byte[] tail) {
    ByteBuffer b = ByteBuffer.wrap(head);
    if (head.length < 24 || b.getInt(8) != 13 || b.getInt(12) != 0x49484452) {
      throw new DataFileException(file, "corrupt PNG: no IHDR chunk after the signature");
    }
    int width = b.getInt(16);
    int height = b.getInt(20);
    if (width < 1 || height < 1) {
      throw new DataFileException(file, "corrupt PNG: IHDR size " + width + "x" + height);
    }
    if (!startsWith(tail, PNG_IEND) || tail.length != PNG_IEND.length) {
      throw new DataFileException(file, "truncated PNG (no IEND chunk at the end)");
    }
    return new ImageHeader("PNG", height, width);
  }

  private static ImageHeader jpeg(Path file, byte[] head, byte[] tail) {
    int end = tail.length;
    while (end > 0 && tail[end - 1] == 0) {
      end--;
    }
    if (end < 2 || (tail[end - 2] & 0xff) != 0xff || (tail[end - 1] & 0xff) != 0xd9) {
      throw new DataFileException(file, "truncated JPEG (no end-of-image marker FF D9 at the end)");
    }
    int pos = 2;
    while (pos + 4 <= head.length) {
      if ((head[pos] & 0xff) != 0xff) {
        throw new DataFileException(file, "corrupt JPEG: expected a marker at byte " + pos
            + ", found " + hex(new byte[] {head[pos]}, 1));
      }
      int marker = head[pos + 1] & 0xff;
      if (marker == 0xff) {
        pos++; // fill byte before a marker
        continue;
      }
      if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
        pos += 2; // markers without a length
        continue;
      }
      if (marker == 0xd9 || marker == 0xda) {
        throw new DataFileException(file, "corrupt JPEG: no frame header (SOF) before the image data");
      }
      int length = ((head[pos + 2] & 0xff) << 8) | (head[pos + 3] & 0xff);
      boolean frame = marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8
          && marker != 0xcc;
      if (frame && pos + 9 <= head.length) {
        int height = ((head[pos + 5] & 0xff) << 8) | (head[pos + 6] & 0xff);
        int width = ((head[pos + 7] & 0xff) << 8) | (head[pos + 8] & 0xff);
        if (width < 1 || height < 1) {
          throw new DataFileException(file, "corrupt JPEG: frame size " + width + "x" + height);
        }
        return new ImageHeader("JPEG", height, width);
      }
      pos += 2 + length;
    }
    throw new DataFileException(file, "corrupt JPEG: no frame header (SOF) in the first "
        + head.length + " bytes");
  }

  private static byte[] read(FileChannel channel, long position, int n) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(n);
    while (buffer.hasRemaining() && channel.read(buffer, position + buffer.position()) > 0) {
      // A file channel may return fewer bytes than asked; keep reading until full.
    }
    return buffer.array();
  }

  private static boolean startsWith(byte[] bytes, byte[] prefix) {
    if (bytes.length < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (bytes[i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  private static String hex(byte[] bytes, int n) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < Math.min(n, bytes.length); i++) {
      sb.append(i == 0 ? "" : " ").append(String.format("%02x", bytes[i] & 0xff));
    }
    return sb.toString();
  }
}

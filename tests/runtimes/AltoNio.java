// Java under Alto: java.nio.file (Files.write, readAllLines, a directory
// listing) and a NIO Selector (epoll underneath) on a Pipe, fed by another
// thread. Everything printed is fixed.
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

public class AltoNio {
    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("alto-java-");
        Path f = dir.resolve("lines.txt");
        Files.write(f, List.of("first", "second", "third"));
        List<String> lines = Files.readAllLines(f);
        System.out.println("files: " + lines + ", size " + Files.size(f));
        try (var s = Files.list(dir)) {
            System.out.println("files: listing " + s.map(p -> p.getFileName().toString()).collect(Collectors.toList()));
        }
        Files.delete(f);
        Files.delete(dir);

        Pipe pipe = Pipe.open();
        pipe.source().configureBlocking(false);
        Selector sel = Selector.open();
        pipe.source().register(sel, SelectionKey.OP_READ);
        System.out.println("selector: ready before a write: " + sel.selectNow());
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(50);
                pipe.sink().write(ByteBuffer.wrap("through the pipe".getBytes(StandardCharsets.UTF_8)));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        t.start();
        int n = sel.select(10000);
        ByteBuffer buf = ByteBuffer.allocate(64);
        int got = pipe.source().read(buf);
        System.out.println("selector: " + n + " ready, read \"" + new String(buf.array(), 0, got, StandardCharsets.UTF_8) + "\"");
        t.join();
        sel.wakeup();
        System.out.println("selector: after wakeup, select returns " + sel.select(10000));
        sel.close();
        System.out.println("done");
    }
}

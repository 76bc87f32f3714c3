package cae.cli;

import cae.data.Mnist;
import cae.io.ModelFileException;
import cae.model.ModelFile;
import cae.onnx.OnnxExport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "export", mixinStandardHelpOptions = true, abbreviateSynopsis = true, sortOptions = false,
        description = {"Writes a saved model as ONNX (operator set " + OnnxExport.OPSET + "), to run in ONNX Runtime or another ONNX runtime.",
                "The file takes images of one size, fixed when it is written (the pooling pads and resize sizes depend on it), "
                        + "and any batch: input '" + OnnxExport.INPUT + "' N x 1 x H x W, grey pixels in [0, 1]; output '"
                        + OnnxExport.OUTPUT + "', the denoised images, the same shape. Export again for another size."})
final class ExportCommand implements Callable<Integer> {
    private final PrintStream out;

    ExportCommand(Streams streams) {
        this.out = streams.out();
    }

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "MODEL", description = "A model.safetensors, or a run folder holding one.")
    Path model;

    @Option(names = "--onnx", required = true, paramLabel = "FILE", description = "The ONNX file to write (replaced if it exists).")
    Path onnx;

    @Option(names = "--height", paramLabel = "H", description = "Image height the file takes (default: the model's training images', 28 for MNIST).")
    Integer height;

    @Option(names = "--width", paramLabel = "W", description = "Image width the file takes (default: the model's training images', 28 for MNIST).")
    Integer width;

    @Override public Integer call() throws Exception {
        if (height != null && height < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--height must be 1 or more, got " + height);
        if (width != null && width < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--width must be 1 or more, got " + width);
        if (Files.isDirectory(onnx))
            throw new CommandLine.ParameterException(spec.commandLine(), "--onnx " + onnx + " is a folder; name the file to write, e.g. "
                    + onnx.resolve("model.onnx"));
        ModelFile.Loaded loaded = ModelFile.read(model);
        String missing = height == null && width == null ? "--height and --width" : height == null ? "--height" : "--width";
        int h = height != null ? height : trainingSide(loaded, ModelFile.IMAGE_HEIGHT, missing);
        int w = width != null ? width : trainingSide(loaded, ModelFile.IMAGE_WIDTH, missing);
        OnnxExport.write(onnx, loaded.arch(), loaded.params(), h, w, loaded.metadata());
        out.printf("wrote %s: %s, input '%s' N x 1 x %d x %d, output '%s' (the denoised images), ONNX operator set %d%n", onnx, loaded.arch(),
                OnnxExport.INPUT, h, w, OnnxExport.OUTPUT, OnnxExport.OPSET);
        return 0;
    }

    /**
     * A side of the images the model was trained on: recorded in its metadata, else MNIST's where the
     * model was trained on MNIST or does not say on what (a model written before the size was recorded).
     */
    private int trainingSide(ModelFile.Loaded loaded, String key, String option) {
        Map<String, String> meta = loaded.metadata();
        String recorded = meta.get(key);
        if (recorded == null) {
            String dataset = meta.get("dataset");
            if (dataset == null || dataset.equals("mnist")) return Mnist.SIDE;
            throw new CommandLine.ParameterException(spec.commandLine(), loaded.file() + " does not record the size of the images it was "
                    + "trained on (" + dataset + "); give " + option);
        }
        try {
            int side = Integer.parseInt(recorded);
            if (side >= 1) return side;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ModelFileException(loaded.file() + ": its metadata's " + key + " '" + recorded + "' is not a size of 1 or more (give "
                + option + ")");
    }
}

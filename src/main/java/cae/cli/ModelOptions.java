package cae.cli;

import cae.model.Architecture;
import cae.model.Decoder;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.util.List;

/** The model's shape beyond its decoder: the stage widths, skip connections, the residual output and the loss. */
final class ModelOptions {
    @Option(names = "--widths", paramLabel = "W,W,...", description = "Channels per stage (default: 32,32,16)")
    String widths;

    @Option(names = "--skips", description = "Add each encoder stage to its decoder stage")
    boolean skips;

    @Option(names = "--residual", description = "Predict the noise: output = input - it")
    boolean residual;

    @Option(names = "--loss", paramLabel = "xent|mse", description = "Loss (default: xent; mse with --residual)")
    String loss;

    /** The options' names, for "cannot change when resuming". */
    static final List<String> NAMES = List.of("--widths", "--skips", "--residual", "--loss");

    /** The model these options describe with {@code decoder}, for images of {@code channels}; a combination that does not fit is a usage error. */
    Architecture architecture(CommandLine cmd, Decoder decoder, int channels) {
        List<Integer> stageWidths = widths == null ? Architecture.RECIPE_WIDTHS : DataOptions.parsed(cmd, "", () -> Architecture.parseWidths(widths));
        Architecture.Loss lossChoice = loss == null ? Architecture.Loss.defaultFor(residual)
                : DataOptions.parsed(cmd, "--loss", () -> Architecture.Loss.parse(loss));
        return DataOptions.parsed(cmd, "", () -> new Architecture(decoder, channels, stageWidths, skips, residual, lossChoice));
    }
}

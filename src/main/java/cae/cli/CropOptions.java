package cae.cli;

import picocli.CommandLine.Option;

/** Training on random crops: their side and how many each image gives an epoch (null where not given). */
final class CropOptions {
    @Option(names = "--patch", paramLabel = "P", description = "Train on random P x P crops with flips")
    Integer patch;

    @Option(names = "--crops", paramLabel = "N", description = "Crops per image per epoch (default: 1)")
    Integer crops;
}

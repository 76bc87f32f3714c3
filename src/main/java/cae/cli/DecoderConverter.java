package cae.cli;

import cae.model.Decoder;
import picocli.CommandLine;

final class DecoderConverter implements CommandLine.ITypeConverter<Decoder> {
    @Override public Decoder convert(String value) {
        try {
            return Decoder.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}

{#- How each input file was read (format, encoding, delimiter, the preflight's notices), how many data
    records an independent reader counted in it, and how many of the student file's rows are no student (every
    cell empty, or the header again), which staging skips. -#}

with source as (

    select * from {{ source('inputs', 'input_files') }}

)

select input_name, path, file_format, encoding, delimiter, records_counted, empty_rows, repeated_header_rows, notices,
    facts
from source

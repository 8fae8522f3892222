{#- How each input file was read (format, encoding, delimiter, the preflight's notices) and how many data
    records an independent reader counted in it. -#}

with source as (

    select * from {{ source('inputs', 'input_files') }}

)

select input_name, path, file_format, encoding, delimiter, records_counted, notices, facts from source
